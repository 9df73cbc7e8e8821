/** localhost, 127.0.0.0/8 or [::1]: a deployed worker is never reached under these names. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
