package dev.flywheel.registry.store;

class InMemoryModelStoreTest extends ModelStoreContract {
    @Override
    protected ModelStore newStore() {
        return new InMemoryModelStore();
    }
}
