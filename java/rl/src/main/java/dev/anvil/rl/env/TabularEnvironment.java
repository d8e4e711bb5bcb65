package dev.anvil.rl.env;

import dev.anvil.rl.Rng;
import java.util.List;

/**
 * An environment with finitely many states and a known transition model (Gymnasium's "toy text"
 * environments): {@link #outcomes(int, int)} lists what each action can lead to, which planners
 * (value iteration) use, and stepping samples from it. The state is {@link #state()}; the
 * observation is its one-hot encoding, so that networks can read it too.
 */
public class TabularEnvironment extends Environment {
    private final int stateCount;
    private final int initialState;
    private final Outcome[][][] model;
    private int state;
    private boolean terminal;

    /**
     * @param model        {@code model[s][a]}: the outcomes of action a in state s, whose
     *                     probabilities sum to 1
     * @param initialState where every episode starts
     */
    public TabularEnvironment(String id, int stateCount, int actionCount, int maxEpisodeSteps, int initialState,
                              List<List<List<Outcome>>> model) {
        super(id, stateCount, actionCount, maxEpisodeSteps);
        if (initialState < 0 || initialState >= stateCount) {
            throw new IllegalArgumentException(id + ": initial state " + initialState + " is outside [0, " + stateCount + ")");
        }
        if (model.size() != stateCount) throw new IllegalArgumentException(id + ": model has " + model.size() + " states, expected " + stateCount);
        this.stateCount = stateCount;
        this.initialState = initialState;
        this.model = new Outcome[stateCount][actionCount][];
        for (int s = 0; s < stateCount; s++) {
            if (model.get(s).size() != actionCount) {
                throw new IllegalArgumentException(id + ": state " + s + " has " + model.get(s).size() + " actions, expected " + actionCount);
            }
            for (int a = 0; a < actionCount; a++) this.model[s][a] = checked(s, a, model.get(s).get(a));
        }
    }

    private Outcome[] checked(int s, int a, List<Outcome> outcomes) {
        double total = 0;
        for (Outcome o : outcomes) {
            if (o.nextState() < 0 || o.nextState() >= stateCount || !(o.probability() >= 0) || !Double.isFinite(o.reward())) {
                throw new IllegalArgumentException(id() + ": invalid outcome " + o + " of action " + a + " in state " + s);
            }
            total += o.probability();
        }
        if (outcomes.isEmpty() || Math.abs(total - 1) > 1e-9) {
            throw new IllegalArgumentException(id() + ": the outcomes of action " + a + " in state " + s + " have total probability " + total);
        }
        return outcomes.toArray(new Outcome[0]);
    }

    public final int stateCount() {
        return stateCount;
    }

    /** The current state. */
    public final int state() {
        return state;
    }

    public final int initialState() {
        return initialState;
    }

    /** What action {@code a} can lead to from state {@code s}. */
    public final List<Outcome> outcomes(int s, int a) {
        if (s < 0 || s >= stateCount) throw new IllegalArgumentException(id() + ": state " + s + " is outside [0, " + stateCount + ")");
        if (a < 0 || a >= actionCount()) {
            throw new IllegalArgumentException(id() + ": action " + a + " is outside the action space {0, ..., " + (actionCount() - 1) + "}");
        }
        return List.of(model[s][a]);
    }

    @Override
    protected final void startEpisode(Rng rng, float[] observation) {
        moveTo(initialState, false, observation);
    }

    @Override
    protected final double transition(int action, Rng rng, float[] observation) {
        Outcome[] outcomes = model[state][action];
        // Inverse-CDF sampling over the listed outcomes, as Gymnasium's categorical_sample does.
        double u = rng.nextDouble();
        Outcome chosen = outcomes[outcomes.length - 1];
        for (Outcome o : outcomes) {
            u -= o.probability();
            if (u < 0) {
                chosen = o;
                break;
            }
        }
        moveTo(chosen.nextState(), chosen.terminal(), observation);
        return chosen.reward();
    }

    @Override
    protected final boolean isTerminal() {
        return terminal;
    }

    private void moveTo(int next, boolean isTerminal, float[] observation) {
        observation[state] = 0;
        observation[next] = 1;
        state = next;
        terminal = isTerminal;
    }
}
