import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appUrlToFile, appWebPreferences, isAllowedPermission, isAllowedRequest, isAppUrl, isExternalLink } from './security.js';

describe('isAppUrl', () => {
  it.each(['app://kubeglass/index.html', 'app://kubeglass/#/contexts', 'app://kubeglass/', 'app://kubeglass/assets/index-abc.js'])('accepts %s', (url) => {
    expect(isAppUrl(url)).toBe(true);
  });

  it.each([
    ['a look-alike host', 'app://kubeglass.evil.com/'],
    ['another host', 'app://evil/'],
    ['our name as a user name', 'app://kubeglass@evil.com/'],
    ['credentials', 'app://user:pw@kubeglass/'],
    ['a user name only', 'app://user@kubeglass/'],
    ['a port', 'app://kubeglass:8080/'],
    ['http', 'http://kubeglass/'],
    ['https', 'https://kubeglass/'],
    ['file', 'file:///index.html'],
    ['no authority', 'app:kubeglass'],
    ['the empty string', ''],
    ['not a URL', 'not a url'],
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: naming our host', 'javascript://kubeglass/%0aalert(1)'],
  ])('rejects %s (%s)', (_why, url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('isExternalLink', () => {
  it.each(['https://kubernetes.io/docs/', 'http://localhost:3000/d/abc', 'https://grafana.example.com/?q=a#b'])('opens %s in the browser', (url) => {
    expect(isExternalLink(url)).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'app://kubeglass/index.html',
    'data:text/html,<script>alert(1)</script>',
    'https://user:pw@example.com/',
    'https://user@example.com/',
    'smb://server/share',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isExternalLink(url)).toBe(false);
  });
});

describe('isAllowedRequest', () => {
  it.each([
    ['app://kubeglass/assets/index.js', true],
    ['app://kubeglass/', true],
    ['data:image/png;base64,iVBORw0KGgo=', true],
    ['https://example.com/', false],
    ['http://localhost:8080/', false],
    ['file:///etc/passwd', false],
    ['file:///index.html', false],
    ['app://evil/index.html', false],
    ['ws://example.com/', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedRequest(url)).toBe(allowed);
  });
});

describe('isAllowedPermission', () => {
  it.each([
    ['notifications', 'app://kubeglass/index.html', true],
    // setPermissionCheckHandler passes an origin, without a path
    ['notifications', 'app://kubeglass', true],
    ['notifications', 'https://evil.example/', false],
    ['notifications', 'app://kubeglass.evil.com/', false],
    ['notifications', '', false],
    ['media', 'app://kubeglass/index.html', false],
    ['geolocation', 'app://kubeglass/index.html', false],
    ['clipboard-read', 'app://kubeglass/index.html', false],
    ['openExternal', 'app://kubeglass/index.html', false],
    ['fullscreen', 'app://kubeglass/index.html', false],
  ])('%s from %s → %s', (permission, url, allowed) => {
    expect(isAllowedPermission(permission, url)).toBe(allowed);
  });
});

describe('appWebPreferences', () => {
  const prefs = appWebPreferences('/app/electron/preload.cjs');

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['webviewTag', false],
    ['allowRunningInsecureContent', false],
    ['experimentalFeatures', false],
  ] as const)('sets %s explicitly to %s', (key, value) => {
    // Explicit, not left to a default that a future Electron (or app.enableSandbox() going away) could change.
    expect(Object.hasOwn(prefs, key)).toBe(true);
    expect(prefs[key]).toBe(value);
  });

  it('passes the preload path through', () => {
    expect(prefs.preload).toBe('/app/electron/preload.cjs');
  });

  it('enables no Blink feature', () => {
    expect(prefs.enableBlinkFeatures ?? '').toBe('');
  });

  it('disables middle-click (Auxclick), which opens links without a navigation we vet', () => {
    expect(prefs.disableBlinkFeatures).toBe('Auxclick');
  });
});

describe('appUrlToFile', () => {
  const root = '/opt/kubeglass/renderer';
  const toFile = (url: string) => appUrlToFile(url, root, path.join, path.posix.normalize);

  it.each([
    ['app://kubeglass/', 'index.html'],
    ['app://kubeglass/index.html', 'index.html'],
    ['app://kubeglass/assets/x.js', 'assets/x.js'],
    ['app://kubeglass/assets/x.js?v=1#h', 'assets/x.js'],
    ['app://kubeglass/assets/a%20b.css', 'assets/a b.css'],
  ])('maps %s to %s', (url, rel) => {
    expect(toFile(url)).toBe(path.join(root, rel));
  });

  it.each([
    ['another host', 'app://evil/index.html'],
    ['a look-alike host', 'app://kubeglass.evil.com/index.html'],
    ['a port', 'app://kubeglass:8080/index.html'],
    ['file:', 'file:///etc/passwd'],
    ['https:', 'https://kubeglass/index.html'],
    ['an encoded NUL', 'app://kubeglass/index.html%00.png'],
    ['malformed escapes', 'app://kubeglass/%E0%A4%A'],
    ['not a URL', 'not a url'],
  ])('returns null for %s', (_why, url) => {
    expect(toFile(url)).toBeNull();
  });

  // The URL parser and posix normalize resolve these before the check, so they may map to a
  // file inside the renderer directory (a 404 at worst); what must never happen is a path outside it.
  it.each([
    'app://kubeglass/../etc/passwd',
    'app://kubeglass/assets/../../../etc/passwd',
    'app://kubeglass/%2e%2e%2fetc/passwd',
    'app://kubeglass/%2e%2e/%2e%2e/etc/passwd',
    'app://kubeglass/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://kubeglass/%2E%2E%2F%2E%2E%2Fetc/passwd',
    'app://kubeglass/..%5c..%5cetc%5cpasswd',
    'app://kubeglass//etc/passwd',
  ])('never escapes the renderer directory: %s', (url) => {
    const file = toFile(url);
    const inside = (f: string) => {
      const rel = path.relative(root, f);
      return rel !== '' && !rel.split(path.sep).includes('..') && !path.isAbsolute(rel);
    };
    expect(file === null || inside(file)).toBe(true);
  });

  it('does not map app://kubeglass/../etc/passwd to /etc/passwd', () => {
    expect(toFile('app://kubeglass/../etc/passwd')).not.toBe('/etc/passwd');
    expect(toFile('app://kubeglass/%2e%2e%2fetc/passwd')).not.toBe('/etc/passwd');
  });

  // On Windows main.ts passes path.join = path.win32.join: a backslash is a separator there.
  it.each(['app://kubeglass/..%5c..%5cWindows%5cwin.ini', 'app://kubeglass/assets%5c..%5c..%5c..%5csecret.txt', 'app://kubeglass/%2e%2e%5csecret.txt'])(
    'refuses backslash traversal for Windows: %s',
    (url) => {
      expect(appUrlToFile(url, 'C:\\Program Files\\Kubeglass\\renderer', path.win32.join, path.posix.normalize)).toBeNull();
    },
  );

  it('maps normally with win32 join', () => {
    expect(appUrlToFile('app://kubeglass/assets/x.js', 'C:\\kg\\renderer', path.win32.join, path.posix.normalize)).toBe('C:\\kg\\renderer\\assets\\x.js');
  });
});
