package dev.flywheel.jobs.monitor;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The descriptors of the versions a {@code model-updates} record names, fetched from the registry,
 * as the monitor's functions receive them on their broadcast side. A version whose descriptor
 * could not be fetched has a null entry: its drift goes untested until a later record brings it.
 *
 * @param versions    the versions the serving config names
 * @param descriptors each version's descriptor as JSON ({@code dev.flywheel.models.ModelJson}), or null
 */
public record ModelReferences(String model, int[] versions, String[] descriptors) {
    public static final TypeInformation<ModelReferences> TYPE = TypeInformation.of(ModelReferences.class);

    public ModelReferences {
        if (versions.length != descriptors.length) {
            throw new IllegalArgumentException(versions.length + " versions but " + descriptors.length + " descriptors");
        }
    }

    /** The broadcast state key of one version's descriptor. */
    public static String key(String model, int version) {
        return model + "/" + version;
    }
}
