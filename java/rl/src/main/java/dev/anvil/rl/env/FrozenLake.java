package dev.anvil.rl.env;

import java.util.ArrayList;
import java.util.List;

/**
 * FrozenLake as Gymnasium documents it (https://gymnasium.farama.org/environments/toy_text/frozen_lake/):
 * walk from S to the goal G over frozen tiles F without falling into a hole H. Actions: 0 left,
 * 1 down, 2 right, 3 up; a move off the grid stays in place. On a slippery lake the agent moves
 * in the intended direction or in one of the two perpendicular ones, each with probability 1/3.
 * Reward 1 on reaching G, else 0; the episode terminates in a hole or at the goal and is
 * truncated after 100 steps (4x4, "FrozenLake-v1") or 200 steps (8x8, "FrozenLake8x8-v1").
 * States are numbered row by row ({@code row * columns + column}).
 */
public final class FrozenLake extends TabularEnvironment {
    public static final int LEFT = 0, DOWN = 1, RIGHT = 2, UP = 3;

    /** Gymnasium's "4x4" map. */
    public static final List<String> MAP_4X4 = List.of("SFFF", "FHFH", "FFFH", "HFFG");
    /** Gymnasium's "8x8" map. */
    public static final List<String> MAP_8X8 = List.of(
            "SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG");

    private final List<String> map;
    private final boolean slippery;

    /** A lake of the given rows (letters S, F, H, G; one S), truncated after {@code maxEpisodeSteps}. */
    public FrozenLake(String id, List<String> map, boolean slippery, int maxEpisodeSteps) {
        super(id, cells(map), 4, maxEpisodeSteps, start(id, map), model(map, slippery));
        this.map = List.copyOf(map);
        this.slippery = slippery;
    }

    /** Gymnasium's FrozenLake-v1 (4x4 map, 100 steps). */
    public static FrozenLake lake4x4(boolean slippery) {
        return new FrozenLake("FrozenLake-v1", MAP_4X4, slippery, 100);
    }

    /** Gymnasium's FrozenLake8x8-v1 (8x8 map, 200 steps). */
    public static FrozenLake lake8x8(boolean slippery) {
        return new FrozenLake("FrozenLake8x8-v1", MAP_8X8, slippery, 200);
    }

    public List<String> map() {
        return map;
    }

    public boolean isSlippery() {
        return slippery;
    }

    /** The letter of state {@code s}. */
    public char tile(int s) {
        int cols = map.get(0).length();
        return map.get(s / cols).charAt(s % cols);
    }

    private static int cells(List<String> map) {
        if (map == null || map.isEmpty()) throw new IllegalArgumentException("FrozenLake: the map has no rows");
        int cols = map.get(0).length();
        for (String row : map) {
            if (row.length() != cols || cols == 0) throw new IllegalArgumentException("FrozenLake: rows must have the same, non-zero length: " + map);
            if (!row.matches("[SFHG]+")) throw new IllegalArgumentException("FrozenLake: row \"" + row + "\" has letters other than S, F, H, G");
        }
        return map.size() * cols;
    }

    private static int start(String id, List<String> map) {
        String all = String.join("", map);
        if (all.indexOf('S') < 0 || all.indexOf('S') != all.lastIndexOf('S')) {
            throw new IllegalArgumentException(id + ": the map needs exactly one start S: " + map);
        }
        return all.indexOf('S');
    }

    private static List<List<List<Outcome>>> model(List<String> map, boolean slippery) {
        int rows = map.size(), cols = map.get(0).length();
        List<List<List<Outcome>>> model = new ArrayList<>();
        for (int s = 0; s < rows * cols; s++) {
            int r = s / cols, c = s % cols;
            char here = map.get(r).charAt(c);
            List<List<Outcome>> actions = new ArrayList<>();
            for (int a = 0; a < 4; a++) {
                List<Outcome> outcomes = new ArrayList<>();
                if (here == 'H' || here == 'G') {
                    outcomes.add(new Outcome(1, s, 0, true));
                } else {
                    // Slipping turns the move by 90 degrees either way: (a - 1) mod 4 and (a + 1) mod 4.
                    int[] moves = slippery ? new int[] {(a + 3) % 4, a, (a + 1) % 4} : new int[] {a};
                    for (int move : moves) {
                        int nr = move == DOWN ? Math.min(r + 1, rows - 1) : move == UP ? Math.max(r - 1, 0) : r;
                        int nc = move == LEFT ? Math.max(c - 1, 0) : move == RIGHT ? Math.min(c + 1, cols - 1) : c;
                        char there = map.get(nr).charAt(nc);
                        outcomes.add(new Outcome(1.0 / moves.length, nr * cols + nc, there == 'G' ? 1 : 0, there == 'G' || there == 'H'));
                    }
                }
                actions.add(outcomes);
            }
            model.add(actions);
        }
        return model;
    }
}
