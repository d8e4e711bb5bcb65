package dev.anvil.rl;

/** Told about every finished training episode (for progress output and learning curves). */
@FunctionalInterface
public interface EpisodeListener {
    /**
     * @param episode 1 for the first finished episode
     * @param step    environment steps taken so far, over all copies of a vectorised environment
     * @param ret     the episode's undiscounted return
     * @param length  its number of steps
     */
    void onEpisode(long episode, long step, double ret, int length);

    EpisodeListener NONE = (episode, step, ret, length) -> {};
}
