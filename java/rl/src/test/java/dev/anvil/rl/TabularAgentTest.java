package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.Outcome;
import dev.anvil.rl.env.TabularEnvironment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tabular Q-learning and SARSA against value iteration on the known models, and against the
 * cliff-walking result of Sutton and Barto (2nd ed., Example 6.6).
 */
class TabularAgentTest {
    /** P(reaching the goal) of the greedy policy from the start, with no step limit. */
    private static double successOfGreedyPolicy(TabularAgent agent, TabularEnvironment env) {
        return ValueIteration.policyValues(env, agent.greedyPolicy(), 1, Integer.MAX_VALUE)[env.initialState()];
    }

    /** Q-learning's greedy policy, for two seeds, reaches the goal within 0.02 of the optimum's probability. */
    private static void assertNearOptimal(FrozenLake lake, double alpha, double gamma, long epsilonSteps, long steps) {
        double optimum = ValueIteration.optimalValues(lake, 1, Integer.MAX_VALUE)[0];
        for (long seed : new long[] {1, 2}) {
            TabularAgent agent = TabularAgent.qLearning().alpha(alpha).gamma(gamma)
                    .epsilon(EpsilonSchedule.linear(1, 0.05, epsilonSteps)).seed(seed).build(lake);
            agent.train(steps, EpisodeListener.NONE);
            assertEquals(optimum, successOfGreedyPolicy(agent, lake), 0.02, lake.id() + ", seed " + seed);
        }
    }

    @Test
    void qLearningReachesTheOptimalSuccessRateOnTheSlippery4x4Lake() {
        assertNearOptimal(FrozenLake.lake4x4(true), 0.02, 0.99, 300_000, 1_000_000);
    }

    @Test
    void qLearningReachesTheOptimalSuccessRateOnTheSlippery8x8Lake() {
        // gamma close to 1: with 0.99 even the discounted optimum risks holes to save steps (P(goal) 0.89).
        assertNearOptimal(FrozenLake.lake8x8(true), 0.03, 0.999, 600_000, 2_000_000);
    }

    @Test
    void greedyEpisodesSucceedAsOftenAsTheModelPredicts() {
        FrozenLake lake = FrozenLake.lake4x4(true);
        TabularAgent agent = TabularAgent.qLearning().alpha(0.02).gamma(0.99)
                .epsilon(EpsilonSchedule.linear(1, 0.05, 300_000)).seed(1).build(lake);
        agent.train(1_000_000, EpisodeListener.NONE);
        double exact = ValueIteration.policyValues(lake, agent.greedyPolicy(), 1, lake.maxEpisodeSteps())[0];
        Evaluation e = agent.evaluate(20_000, 99);
        assertEquals(exact, e.mean(), 0.015, "simulated success rate within the 100-step limit");
    }

    @Test
    void qValuesConvergeToTheDiscountedReturn() {
        TabularEnvironment chain = Mdps.chain();
        TabularAgent agent = TabularAgent.qLearning().alpha(0.5).gamma(0.9).epsilon(EpsilonSchedule.constant(0.5)).seed(3).build(chain);
        agent.train(2000, EpisodeListener.NONE);
        assertEquals(0.9, agent.q(0, 0), 1e-9, "0 then 1 one step later");
        assertEquals(0.0, agent.q(0, 1), 1e-12);
        assertEquals(1.0, agent.q(1, 0), 1e-9);
        assertEquals(0, agent.greedyAction(0));
    }

    @Test
    void eachUpdateMovesQByAlphaTimesTheTdError() {
        // 0 -(reward 0.5)-> 1 -(reward 1)-> terminal, one action; alpha 0.25, gamma 0.9, from zeros:
        // Q(0) = 0.25 * (0.5 + 0.9 * 0) = 0.125; Q(1) = 0.25 * 1 = 0.25;
        // next episode: Q(0) = 0.125 + 0.25 * (0.5 + 0.9 * 0.25 - 0.125) = 0.275.
        TabularEnvironment line = new TabularEnvironment("Line", 2, 1, 10, 0, List.of(
                List.of(List.of(new Outcome(1, 1, 0.5, false))), List.of(List.of(new Outcome(1, 1, 1, true)))));
        for (TabularAgent.Builder b : new TabularAgent.Builder[] {TabularAgent.qLearning(), TabularAgent.sarsa()}) {
            TabularAgent agent = b.alpha(0.25).gamma(0.9).seed(0).build(line);
            agent.train(1, EpisodeListener.NONE);
            assertEquals(0.125, agent.q(0, 0), 1e-15);
            agent.train(1, EpisodeListener.NONE);
            assertEquals(0.25, agent.q(1, 0), 1e-15);
            assertEquals(1, agent.episodes());
            agent.train(1, EpisodeListener.NONE);
            assertEquals(0.275, agent.q(0, 0), 1e-15);
        }
    }

    @Test
    void sarsaWalksAwayFromTheCliffWhileQLearningWalksAlongIt() {
        // Sutton and Barto, Example 6.6 (epsilon 0.1, alpha 0.5, undiscounted): Q-learning learns the
        // optimal path along the cliff edge (13 steps), SARSA, which accounts for its own
        // exploration, the safer path further up.
        TabularEnvironment cliff = Mdps.cliffWalking();
        int[] lengths = new int[2];
        for (TabularAgent.Algorithm alg : TabularAgent.Algorithm.values()) {
            TabularAgent.Builder b = alg == TabularAgent.Algorithm.Q_LEARNING ? TabularAgent.qLearning() : TabularAgent.sarsa();
            TabularAgent agent = b.alpha(0.5).gamma(1).epsilon(EpsilonSchedule.constant(0.1)).seed(4).build(cliff);
            int[] episodes = new int[1];
            agent.train(100_000, (episode, step, ret, length) -> episodes[0]++);
            assertTrue(episodes[0] > 500, alg + " finished " + episodes[0] + " episodes");
            lengths[alg.ordinal()] = greedyPathLength(agent, cliff);
        }
        assertEquals(13, lengths[TabularAgent.Algorithm.Q_LEARNING.ordinal()], "Q-learning's path");
        assertTrue(lengths[TabularAgent.Algorithm.SARSA.ordinal()] >= 15, "SARSA's path: " + lengths[1] + " steps");
    }

    /** Steps of the greedy policy from the start to the goal in a deterministic environment (-1 if it never gets there). */
    private static int greedyPathLength(TabularAgent agent, TabularEnvironment env) {
        int s = env.initialState();
        for (int step = 1; step <= 100; step++) {
            Outcome o = env.outcomes(s, agent.greedyAction(s)).get(0);
            if (o.terminal()) return step;
            s = o.nextState();
        }
        return -1;
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TabularAgent.qLearning().alpha(0));
        assertThrows(IllegalArgumentException.class, () -> TabularAgent.qLearning().alpha(1.5));
        assertThrows(IllegalArgumentException.class, () -> TabularAgent.sarsa().gamma(-0.1));
        assertThrows(NullPointerException.class, () -> TabularAgent.sarsa().epsilon(null));
        assertThrows(NullPointerException.class, () -> TabularAgent.sarsa().build(null));
        TabularAgent agent = TabularAgent.qLearning().build(FrozenLake.lake4x4(true));
        assertThrows(IllegalArgumentException.class, () -> agent.train(-1, EpisodeListener.NONE));
        IllegalArgumentException state = assertThrows(IllegalArgumentException.class, () -> agent.greedyAction(16));
        assertTrue(state.getMessage().contains("state 16") && state.getMessage().contains("FrozenLake-v1"), state.getMessage());
        assertThrows(IllegalArgumentException.class, () -> agent.q(0, 4));
        assertEquals(List.of(TabularAgent.Algorithm.Q_LEARNING, TabularAgent.Algorithm.SARSA), List.of(TabularAgent.Algorithm.values()));
    }
}
