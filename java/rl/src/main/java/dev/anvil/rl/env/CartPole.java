package dev.anvil.rl.env;

import dev.anvil.rl.Rng;

/**
 * CartPole-v1 as Gymnasium documents it (https://gymnasium.farama.org/environments/classic_control/cart_pole/,
 * after Barto, Sutton and Anderson 1983): a pole on a cart that the agent pushes left (action 0) or
 * right (action 1) with a force of 10 N. Observation: cart position, cart velocity, pole angle
 * (radians), pole angular velocity. Reward 1 for every step, the last one included. The episode
 * terminates when the pole leans more than 12 degrees or the cart leaves [-2.4, 2.4], and is
 * truncated at 500 steps. Initial state: each variable uniform in [-0.05, 0.05].
 *
 * <p>The dynamics are the classic ones with explicit Euler integration over tau = 0.02 s
 * (gravity 9.8, cart mass 1.0, pole mass 0.1, half pole length 0.5), computed in double precision
 * and observed as floats, as Gymnasium does.
 */
public final class CartPole extends Environment {
    public static final double GRAVITY = 9.8;
    public static final double MASS_CART = 1.0;
    public static final double MASS_POLE = 0.1;
    /** Half the pole's length, as in Gymnasium. */
    public static final double LENGTH = 0.5;
    public static final double FORCE_MAG = 10.0;
    public static final double TAU = 0.02;
    public static final double THETA_THRESHOLD = 12 * 2 * Math.PI / 360;
    public static final double X_THRESHOLD = 2.4;
    public static final int MAX_EPISODE_STEPS = 500;

    private static final double TOTAL_MASS = MASS_CART + MASS_POLE;
    private static final double POLE_MASS_LENGTH = MASS_POLE * LENGTH;

    private double x, xDot, theta, thetaDot;

    public CartPole() {
        super("CartPole-v1", 4, 2, MAX_EPISODE_STEPS);
    }

    /**
     * Overwrites the state of the running episode (Gymnasium's {@code env.unwrapped.state = ...}),
     * for tests and for starting from a chosen state; the step count is kept.
     */
    public void setState(double x, double xDot, double theta, double thetaDot) {
        if (!isRunning()) throw new IllegalStateException(id() + ": setState needs a running episode; call reset() first");
        if (!(Double.isFinite(x) && Double.isFinite(xDot) && Double.isFinite(theta) && Double.isFinite(thetaDot))) {
            throw new IllegalArgumentException(id() + ": state must be finite, got [" + x + ", " + xDot + ", " + theta + ", "
                    + thetaDot + "] at step " + episodeStep());
        }
        this.x = x;
        this.xDot = xDot;
        this.theta = theta;
        this.thetaDot = thetaDot;
        observe(observation());
    }

    @Override
    protected void startEpisode(Rng rng, float[] observation) {
        x = rng.nextDouble(-0.05, 0.05);
        xDot = rng.nextDouble(-0.05, 0.05);
        theta = rng.nextDouble(-0.05, 0.05);
        thetaDot = rng.nextDouble(-0.05, 0.05);
        observe(observation);
    }

    @Override
    protected double transition(int action, Rng rng, float[] observation) {
        double force = action == 1 ? FORCE_MAG : -FORCE_MAG;
        double cos = Math.cos(theta), sin = Math.sin(theta);
        double temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
        double thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        double xAcc = temp - POLE_MASS_LENGTH * thetaAcc * cos / TOTAL_MASS;
        // Explicit Euler: positions advance with the old velocities.
        x += TAU * xDot;
        xDot += TAU * xAcc;
        theta += TAU * thetaDot;
        thetaDot += TAU * thetaAcc;
        observe(observation);
        return 1.0;
    }

    @Override
    protected boolean isTerminal() {
        return x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    }

    private void observe(float[] observation) {
        observation[0] = (float) x;
        observation[1] = (float) xDot;
        observation[2] = (float) theta;
        observation[3] = (float) thetaDot;
    }
}
