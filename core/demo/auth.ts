// Who is asking and what they may do. Authentication as the API server's union of its x509 and
// bearer-token authenticators: a client certificate signed by the cluster CA names the user (CN)
// and groups (O); a known bearer token names a configured user. Anything else is 401.
// Authorization is a small stand-in for RBAC: system:masters may do everything, every
// authenticated user may read discovery and health paths (system:discovery,
// system:public-info-viewer), and nothing else is granted unless a custom authorizer says so.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ResourceAttributes } from './status.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export type AuthResult = { user: UserInfo } | { error: string } | null;

export class Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  addToken(token: string, user: UserInfo): void {
    this.tokens.set(token, { name: user.name, groups: withAuthenticated(user.groups) });
  }

  removeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** The user, an error when credentials were offered and rejected, or null when none were. */
  authenticate(req: IncomingMessage): AuthResult {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      if (cert && Object.keys(cert).length > 0) {
        if (!socket.authorized) return { error: `x509: ${String(socket.authorizationError ?? 'certificate not trusted')}` };
        const cn = cert.subject?.CN;
        const name = Array.isArray(cn) ? cn[0] : cn;
        if (name) {
          const o = cert.subject?.O;
          const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
          return { user: { name, groups: withAuthenticated(groups) } };
        }
      }
    }
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { error: 'invalid bearer token' };
    const user = this.tokens.get(m[1]!);
    return user ? { user } : { error: 'invalid bearer token' };
  }
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes('system:authenticated') ? [...groups] : [...groups, 'system:authenticated'];
}

export type RequestAttributes = ResourceAttributes | { verb: string; path: string };

export type Authorizer = (user: UserInfo, attrs: RequestAttributes) => boolean;

/** Non-resource paths every authenticated user may GET, as the default cluster roles allow. */
const PUBLIC_PATHS = [/^\/api(\/.*)?$/, /^\/apis(\/.*)?$/, /^\/version\/?$/, /^\/healthz(\/.*)?$/, /^\/livez(\/.*)?$/, /^\/readyz(\/.*)?$/, /^\/openapi(\/.*)?$/];

export const defaultAuthorizer: Authorizer = (user, attrs) => {
  if (user.groups.includes('system:masters')) return true;
  if ('path' in attrs) return attrs.verb === 'get' && PUBLIC_PATHS.some((re) => re.test(attrs.path));
  return false;
};
