package dev.kernelj.ops.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.cuda.DevicePort;
import dev.kernelj.runtime.cuda.Cuda;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The runtime adapter is what {@code CudaOps.open} finds, and where no GPU can be used it says why
 * in one line.
 */
class RuntimeDeviceProviderTest {
  @Test
  void theRuntimeAdapterIsTheRegisteredProvider() {
    List<String> providers =
        ServiceLoader.load(DevicePort.Provider.class).stream()
            .map(p -> p.type().getName())
            .toList();
    assertEquals(List.of(RuntimeDeviceProvider.class.getName()), providers);
  }

  @Test
  void tryOpenGivesTheBackendOrOneLineSayingWhyNot() {
    String[] why = new String[1];
    Optional<CudaOps> cuda = CudaOps.tryOpen(0, why);
    String reason = Cuda.unavailableReason();
    if (reason == null) {
      assertTrue(cuda.isPresent(), "a GPU is usable here, yet the backend did not open: " + why[0]);
      assertTrue(cuda.get().name().startsWith("cuda:NVIDIA"), cuda.get().name());
      cuda.get().close();
      return;
    }
    assertTrue(cuda.isEmpty());
    assertEquals(
        "no usable CUDA device: " + reason.strip().replaceAll("\\s*\\R\\s*", "; "), why[0]);
    assertFalse(why[0].contains("\n"), why[0]);
  }

  @Test
  void anOrdinalPastTheDevicesIsRefusedByName() {
    String[] why = new String[1];
    assertTrue(CudaOps.tryOpen(4096, why).isEmpty());
    if (Cuda.unavailableReason() == null) {
      assertTrue(why[0].startsWith("CUDA device 4096 does not exist: the driver reports "), why[0]);
    } else {
      assertTrue(why[0].startsWith("no usable CUDA device: "), why[0]);
    }
  }
}
