package io.cairn.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn serve}: a real process serves the pages; wrong options are one-line errors. */
class ServeCommandTest {
  @TempDir
  Path tmp;

  @Test
  void aNonLoopbackBindWithoutATokenAndAMissingDirectoryAreOneLineErrors() {
    CliRunner.Result r = CliRunner.run("serve", "--dir", tmp.toString(), "--bind", "0.0.0.0", "--port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("cairn serve: --bind 0.0.0.0 is not a loopback address").contains("--token-file")
        .doesNotContain("\tat ");
    r = CliRunner.run("serve", "--dir", tmp.resolve("nope").toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("cairn serve: ").contains("is not a directory");
  }

  @Test
  void servesTheDirectoryUntilStopped() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "io.cairn.cli.Main",
        "serve", "--dir", tmp.toString(),
        "--port", "0")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).startsWith("cairn serve: http://127.0.0.1:");
      URI uri = URI.create(line.split(" ")[2]);
      try (HttpClient http = HttpClient.newHttpClient()) {
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h2>Runs</h2>").contains("No checkpoints under");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
            .hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
      }
      assertThat(Files.list(tmp).toList()).isEmpty(); // nothing written
    } finally {
      p.destroy();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("cairn serve stopped on SIGTERM").isTrue();
    }
  }
}
