package dev.flywheel.registry.http;

/** What a bearer token may do. An editor can do everything a reader can. */
public enum Role {
    /** Read models, versions, descriptors, artifacts and serving configurations. */
    READER,
    /** Also register, set aliases, promote, roll back and archive. */
    EDITOR;

    public boolean allows(Role required) {
        return this == EDITOR || required == READER;
    }
}
