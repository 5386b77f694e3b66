package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.JobSecret;
import io.cairn.redundancy.internal.PeerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerFilesTest {
  @TempDir
  Path tmp;

  @Test
  void servesOnlyRedundancyFilesAndOwnBundles() throws Exception {
    Path red = tmp.resolve("node-1/redundancy/job");
    Files.createDirectories(red.resolve("xor-4/i0000000005"));
    Files.write(red.resolve("xor-4/i0000000005/parity-r000001.red"), new byte[]{1, 2, 3});
    Files.write(red.resolve("xor-4/i0000000005/parity-r000001.red.tmp77-1"), new byte[]{9});
    Files.writeString(tmp.resolve("secret"), "no");
    io.cairn.cluster.JobConnections key = io.cairn.cluster.JobConnections.of(tmp,
        Map.of(JobSecret.VARIABLE, JobSecret.generate().hex()));
    try (PeerFiles srv = new PeerFiles("127.0.0.1", key, red, v -> {
      if (v != 5) throw new IllegalStateException("version " + v + " is not here");
      return new byte[]{42};
    });
        PeerFiles.Client c = new PeerFiles.Client(srv.address(), 2_000, key)) {
      assertThat(c.list(5)).containsExactly("xor-4/i0000000005/parity-r000001.red");
      assertThat(c.list(6)).isEmpty();
      assertThat(c.request("GET xor-4/i0000000005/parity-r000001.red")).containsExactly(1, 2, 3);
      assertThat(c.request("BUNDLE 5")).containsExactly(42);
      assertThatThrownBy(() -> c.request("BUNDLE 4")).hasMessageContaining("version 4 is not here");
      for (String bad : new String[]{"GET ../../../secret", "GET xor-4/i0000000005/../../../../secret",
          "GET /etc/passwd", "DELETE x"})
        assertThatThrownBy(() -> c.request(bad)).as(bad).hasMessageMatching("(bad path|unknown request).*");
      // the connection still works after refusals
      assertThat(c.request("GET xor-4/i0000000005/parity-r000001.red")).hasSize(3);
      // a client with another secret, and one that skips the handshake, get nothing
      var other = io.cairn.cluster.JobConnections.of(tmp, Map.of(JobSecret.VARIABLE, JobSecret.generate().hex()));
      assertThatThrownBy(() -> new PeerFiles.Client(srv.address(), 2_000, other))
          .isInstanceOf(JobSecret.AuthenticationException.class);
      assertThat(rawRequest(srv.address(), "BUNDLE 5")).as("answer to a request without the handshake").isEqualTo(-1);
    }
  }

  /** Sends a request without the handshake; returns the first byte of the answer (-1: closed without one). */
  static int rawRequest(String address, String req) throws java.io.IOException {
    int c = address.lastIndexOf(':');
    try (java.net.Socket s = new java.net.Socket(address.substring(0, c), Integer.parseInt(address.substring(c + 1)))) {
      s.setSoTimeout(15_000);
      java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
      try {
        out.writeUTF(req);
        out.flush();
        return s.getInputStream().read();
      } catch (java.net.SocketException e) {
        return -1; // reset by the server
      }
    }
  }
}
