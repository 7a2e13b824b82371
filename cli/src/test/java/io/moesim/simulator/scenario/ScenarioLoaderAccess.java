package io.moesim.simulator.scenario;

/** Test access to the package-private renaming rule of {@code --set hardware=ID}. */
public final class ScenarioLoaderAccess {
    private ScenarioLoaderAccess() {
    }

    public static String renamed(String name, String oldId, String newId) {
        return Overrides.renamed(name, oldId, newId);
    }
}
