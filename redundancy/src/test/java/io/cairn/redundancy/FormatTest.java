package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.redundancy.internal.Bundle;
import io.cairn.redundancy.internal.RedFile;
import io.cairn.redundancy.internal.RedFile.Member;
import io.cairn.redundancy.internal.RedFile.Section;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redundancy file and bundle formats: round trip, and every damage is refused with a clear message. */
class FormatTest {
  @TempDir
  Path tmp;

  private RedFile.Opened sample(Path p, byte[] body) throws Exception {
    RedFile f = new RedFile(RedFile.PARITY, "job", 7, "rs:2+1", 3, 2, 1, 64, 1,
        List.of(new Member(0, "node-0", 7, 100, 11), new Member(1, "node-1", 7, 90, 12),
            new Member(2, "node-2", 7, 80, 13)),
        body.length, List.of(new Section(1, 0, 0, 0, 0)));
    f.write(p, new byte[][]{body}, new int[]{0}, new int[]{body.length});
    return RedFile.open(p);
  }

  @Test
  void roundTrip() throws Exception {
    byte[] body = new byte[512];
    new Random(1).nextBytes(body);
    RedFile.Opened o = sample(tmp.resolve("a.red"), body);
    assertThat(o.file().members()).hasSize(3);
    assertThat(o.file().scheme()).isEqualTo("rs:2+1");
    byte[] back = new byte[512];
    o.read(o.file().sections().get(0), back, 0);
    assertThat(back).isEqualTo(body);
    assertThat(tmp.resolve("a.red")).exists();
    try (var s = Files.list(tmp)) {
      assertThat(s.filter(x -> x.toString().contains(".tmp")).toList()).isEmpty();
    }
  }

  @Test
  void damageIsRefusedWithAClearMessage() throws Exception {
    Path p = tmp.resolve("b.red");
    sample(p, new byte[256]);
    byte[] good = Files.readAllBytes(p);

    byte[] b = good.clone();
    b[0] = 'X';
    Files.write(p, b);
    assertThatThrownBy(() -> RedFile.open(p)).hasMessageContaining("bad magic").hasMessageContaining(p.toString());

    b = good.clone();
    b[11] = 9; // format version 9
    Files.write(p, b);
    assertThatThrownBy(() -> RedFile.open(p)).hasMessageContaining("format version 9 is not supported");

    b = good.clone();
    b[30] ^= 1; // inside the header
    Files.write(p, b);
    assertThatThrownBy(() -> RedFile.open(p)).hasMessageContaining("header CRC32C mismatch");

    Files.write(p, java.util.Arrays.copyOf(good, 40)); // truncated header
    assertThatThrownBy(() -> RedFile.open(p)).hasMessageContaining("bad header length");

    Files.write(p, java.util.Arrays.copyOf(good, good.length - 10)); // truncated body
    RedFile.Opened o = RedFile.open(p);
    assertThatThrownBy(() -> o.read(o.file().sections().get(0), new byte[256], 0)).hasMessageContaining("truncated");

    b = good.clone();
    b[b.length - 1] ^= 0x40; // body
    Files.write(p, b);
    RedFile.Opened o2 = RedFile.open(p);
    assertThatThrownBy(() -> o2.read(o2.file().sections().get(0), new byte[256], 0))
        .hasMessageContaining("CRC32C mismatch in stripe 1 row 0");
  }

  private static byte[] bundle(String name, byte[] content) throws Exception {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(bo);
    o.write("CAIRNBD1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    o.writeInt(1);
    o.writeInt(1);
    o.writeUTF(name);
    o.writeLong(content.length);
    o.write(content);
    return bo.toByteArray();
  }

  @Test
  void bundlesAcceptOnlyVersionFilesInsideTheRunDirectory() throws Exception {
    byte[] ok = bundle("v0000000003/data.pack", new byte[]{1, 2, 3});
    Bundle.unpack(ok, ok.length, tmp.resolve("run"), "test");
    assertThat(Files.readAllBytes(tmp.resolve("run/v0000000003/data.pack"))).containsExactly(1, 2, 3);
    for (String bad : List.of("../evil", "v0000000003/../../x", "/etc/passwd", "v0000000003/other", "v3/data.pack")) {
      byte[] b = bundle(bad, new byte[]{1});
      assertThatThrownBy(() -> Bundle.unpack(b, b.length, tmp.resolve("run"), "test"))
          .hasMessageContaining("bad file name");
    }
    byte[] shortB = java.util.Arrays.copyOf(ok, ok.length - 1);
    assertThatThrownBy(() -> Bundle.entries(shortB, shortB.length, "test"))
        .hasMessageContaining("lists 3 bytes of files but holds 2");
    byte[] v2 = ok.clone();
    v2[11] = 2;
    assertThatThrownBy(() -> Bundle.entries(v2, v2.length, "test"))
        .hasMessageContaining("bundle format version 2 is not supported");
    assertThat(tmp.resolve("x")).doesNotExist();
  }
}
