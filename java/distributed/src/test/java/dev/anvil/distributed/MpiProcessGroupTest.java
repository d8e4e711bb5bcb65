package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Configuration errors found before any collective, in a JVM that mpirun did not start: which one
 * depends on whether Open MPI is installed here, and each branch is checked where it applies
 * (MpiProcessGroupJobTest covers real jobs; native/tests/mpi_test.cpp forces a missing library).
 */
class MpiProcessGroupTest {
    @BeforeAll
    static void notUnderMpirun() {
        assumeTrue(System.getenv("OMPI_COMM_WORLD_SIZE") == null, "this JVM was started by mpirun");
    }

    @Test
    void withoutOpenMpiTheMessageSaysHowToInstallIt() {
        assumeFalse(MpiProcessGroup.isAvailable(), "Open MPI is installed here: see the test of a missing mpirun");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MpiProcessGroup.create(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("apt-get install openmpi-bin"), e.getMessage());
        assertTrue(e.getMessage().contains("mpirun -np"), e.getMessage());
    }

    @Test
    void withoutMpirunTheMessageSaysHowToStartTheJob() {
        assumeTrue(MpiProcessGroup.isAvailable(), "Open MPI is not installed here: see the test of a missing library");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MpiProcessGroup.create(2, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("not started by mpirun"), e.getMessage());
        assertTrue(e.getMessage().contains("mpirun -np"), e.getMessage());
    }

    @Test
    void refusesABadTimeoutBeforeTouchingMpi() {
        assertThrows(IllegalArgumentException.class, () -> MpiProcessGroup.create(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> MpiProcessGroup.create(-1, Duration.ofSeconds(1)));
    }
}
