package dev.anvil.tune.objective;

import dev.anvil.tune.Objective;
import dev.anvil.tune.space.SearchSpace;
import java.lang.reflect.Constructor;
import java.util.Map;

/**
 * Objectives by name, for the command line and for worker processes: "fmnist-cnn" (the training
 * objective, with options), a test function ("branin", "hartmann6", "rosenbrock4",
 * "noisy-hartmann6"), or the name of a class implementing {@link Objective} with a public
 * constructor taking the options ({@code Map<String, String>}) or none.
 */
public final class Objectives {
    public static final String FMNIST = "fmnist-cnn";

    private Objectives() {}

    public static Objective create(String name, Map<String, String> options) {
        if (name.equals(FMNIST)) return FashionMnistObjective.fromOptions(options);
        for (TestFunction f : TestFunction.values()) {
            if (f.id().equals(name)) {
                if (!options.isEmpty()) throw new IllegalArgumentException("test function " + name + " takes no options, got " + options.keySet());
                return f;
            }
        }
        Class<?> c;
        try {
            c = Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown objective '" + name + "': not fmnist-cnn, a test function (branin, hartmann6, rosenbrock4, "
                    + "noisy-hartmann6) or a class on the class path");
        }
        if (!Objective.class.isAssignableFrom(c)) throw new IllegalArgumentException("class " + name + " does not implement " + Objective.class.getName());
        try {
            try {
                Constructor<?> withOptions = c.getConstructor(Map.class);
                return (Objective) withOptions.newInstance(options);
            } catch (NoSuchMethodException e) {
                if (!options.isEmpty()) throw new IllegalArgumentException("class " + name + " takes no options (no constructor taking a Map)");
                return (Objective) c.getConstructor().newInstance();
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create objective " + name + ": " + e, e);
        }
    }

    /** The search space that comes with a named objective (the test functions), or null. */
    public static SearchSpace defaultSpace(String name) {
        for (TestFunction f : TestFunction.values()) if (f.id().equals(name)) return f.space();
        return null;
    }
}
