import { invalidSpec } from "../invalid-spec.js";

/**
 * A remote path on a Windows host as its OpenSSH SFTP server takes it: forward slashes, a
 * drive as `/C:/…` (`C:\Data\x`, `C:/Data/x` and `/C:/Data/x` are the same file), a relative
 * path from the login user's profile folder. UNC paths (`\\server\share\…`) are refused: the
 * SFTP server reaches the host's own disks, and its session has no credentials for another
 * server (the second hop).
 */
export function windowsSftpPath(path: string, field: string): string {
  const p = path.replaceAll("\\", "/");
  if (p.startsWith("//")) {
    throw invalidSpec(
      `copy: ${field} ${path} is a UNC path; SFTP on a Windows host reaches only that host's own disks`,
      "Copy to a folder on the host (e.g. C:\\ferry\\staging), then move it on with robocopy in an ssh step.",
    );
  }
  const drive = /^\/?([A-Za-z]):(\/.*)?$/.exec(p);
  if (drive) return `/${drive[1]!.toUpperCase()}:${drive[2] ?? "/"}`;
  return p;
}

/** The Windows spelling of an SFTP path (`/C:/Data/x` → `C:\Data\x`), for messages, outputs and PowerShell. */
export function windowsDisplayPath(sftpPath: string): string {
  const drive = /^\/([A-Za-z]:)(\/.*)?$/.exec(sftpPath);
  return (drive ? `${drive[1]}${drive[2] ?? "/"}` : sftpPath).replaceAll("/", "\\");
}
