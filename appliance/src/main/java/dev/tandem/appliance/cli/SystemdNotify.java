package dev.tandem.appliance.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tells systemd ({@code Type=notify}) when the appliance serves and when it stops. The JDK cannot
 * send on a Unix datagram socket, so {@code systemd-notify} does it from within the unit (the unit
 * sets {@code NotifyAccess=all}). Outside systemd ({@code NOTIFY_SOCKET} unset) nothing happens.
 */
final class SystemdNotify {

    private SystemdNotify() {}

    static void ready(String status) {
        send("--ready", "--status=" + status);
    }

    static void stopping() {
        send("--stopping");
    }

    private static void send(String... args) {
        if (System.getenv("NOTIFY_SOCKET") == null) {
            return;
        }
        List<String> command = new ArrayList<>();
        command.add("systemd-notify");
        command.add("--pid=" + ProcessHandle.current().pid());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            System.err.println(
                    "tandem serve: cannot tell systemd (" + String.join(" ", command) + "): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
