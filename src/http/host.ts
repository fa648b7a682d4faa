import { hostname } from 'node:os';

/**
 * Why a request is refused for the Host it is addressed to, or undefined when this machine
 * answers to that name. DNS rebinding points a name a web page controls at 127.0.0.1, so the
 * page, in the person's browser, can read what a loopback server serves, profiles and source
 * included: the request then comes from this machine, but addressed to the page's name. So a
 * name is answered only when it can only mean this machine: an IP address (a page cannot be
 * served from one it does not control and still rebind it), localhost, this machine's name,
 * or one the server was told to listen on. The port is not checked: a tunnel (ssh -L) may
 * change it. A request without a Host (HTTP/1.0, no browser) has no name to check.
 */
export function misdirectedReason(host: string | undefined, served: readonly string[] = []): string | undefined {
  if (!host) return undefined;
  const name = hostName(host);
  // node:net loaded when needed: a report tool that never serves should not pay for it at start.
  if (process.getBuiltinModule('node:net').isIP(name) || name === 'localhost' || name.endsWith('.localhost')) return undefined;
  if ([...served, hostname()].some((allowed) => allowed.toLowerCase().replace(/\.$/, '') === name)) return undefined;
  return `this server answers requests addressed to this machine (localhost, its IP addresses or its name ${hostname()}), not to ${host}: a web page may be trying to read it through DNS rebinding`;
}

/** The name in a Host header, without port, brackets, case or trailing dot. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase().replace(/\.$/, '');
}
