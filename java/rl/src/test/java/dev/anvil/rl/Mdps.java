package dev.anvil.rl;

import dev.anvil.rl.env.Outcome;
import dev.anvil.rl.env.TabularEnvironment;
import java.util.ArrayList;
import java.util.List;

/** Small MDPs with known answers, for the tabular tests. */
final class Mdps {
    private Mdps() {}

    /**
     * State 0 has one action that reaches the goal with probability {@code p} (reward 1) and
     * otherwise stays: the goal is reached within h steps with probability {@code 1 - (1 - p)^h},
     * eventually with probability 1.
     */
    static TabularEnvironment retry(double p) {
        return new TabularEnvironment("Retry", 1, 1, 1000, 0,
                List.of(List.of(List.of(new Outcome(p, 0, 1, true), new Outcome(1 - p, 0, 0, false)))));
    }

    /** 0 -(reward 0)-> 1 -(reward 1)-> terminal, one action each; action 1 of state 0 ends at once without reward. */
    static TabularEnvironment chain() {
        return new TabularEnvironment("Chain", 2, 2, 10, 0, List.of(
                List.of(List.of(new Outcome(1, 1, 0, false)), List.of(new Outcome(1, 0, 0, true))),
                List.of(List.of(new Outcome(1, 1, 1, true)), List.of(new Outcome(1, 1, 1, true)))));
    }

    /**
     * Gymnasium's CliffWalking-v0 (Sutton and Barto, Example 6.6): a 4x12 grid, start at the
     * bottom left (36), goal at the bottom right (47), the cliff between them; -1 per step, -100
     * and back to the start for stepping onto the cliff. Actions 0 up, 1 right, 2 down, 3 left.
     */
    static TabularEnvironment cliffWalking() {
        int rows = 4, cols = 12;
        List<List<List<Outcome>>> model = new ArrayList<>();
        for (int s = 0; s < rows * cols; s++) {
            List<List<Outcome>> actions = new ArrayList<>();
            for (int a = 0; a < 4; a++) {
                int r = s / cols, c = s % cols;
                if (s == 47) {
                    actions.add(List.of(new Outcome(1, s, 0, true)));
                    continue;
                }
                int nr = Math.max(0, Math.min(rows - 1, r + (a == 0 ? -1 : a == 2 ? 1 : 0)));
                int nc = Math.max(0, Math.min(cols - 1, c + (a == 1 ? 1 : a == 3 ? -1 : 0)));
                int next = nr * cols + nc;
                boolean cliff = nr == 3 && nc > 0 && nc < 11;
                actions.add(List.of(cliff ? new Outcome(1, 36, -100, false) : new Outcome(1, next, -1, next == 47)));
            }
            model.add(actions);
        }
        return new TabularEnvironment("CliffWalking-v0", rows * cols, 4, 10_000, 36, model);
    }
}
