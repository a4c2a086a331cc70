// Electron main: owns windows and security policy, and routes the contract to the engine,
// which runs in a utilityProcess. Nothing here touches SQLite, the cluster or the disk's metrics.
import { app, BrowserWindow, ipcMain, protocol, screen, session, shell, utilityProcess, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventPayload } from '../core/api/contract.js';
import { CONTENT_SECURITY_POLICY, CONTENT_TYPES } from '../core/api/csp.js';
import { IPC_EVENT_CHANNEL } from '../core/api/names.js';
import { EngineSupervisor } from '../core/host/supervisor.js';
import { spawnEngineProcess } from './engine-process.js';
import { registerContractIpc } from './ipc.js';
import { createAlertNotifier } from './notifications.js';
import {
  APP_ENTRY,
  APP_SCHEME,
  appUrlToFile,
  appWebPreferences,
  isAllowedPermission,
  isAllowedRequest,
  isAppUrl,
  isExternalLink,
} from './security.js';
import { DEFAULT_SIZE, fitToDisplays, MIN_SIZE, readWindowState, writeWindowState } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
// Must precede 'ready': app:// behaves as a secure, standard origin with fetch support.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void run();
}

async function run(): Promise<void> {
  const windows = new Set<BrowserWindow>();
  const ours = (contents: WebContents) => [...windows].some((w) => !w.isDestroyed() && w.webContents === contents);

  app.on('second-instance', () => {
    const w = [...windows][0];
    if (w) {
      if (w.isMinimized()) w.restore();
      w.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation or a cluster console open in the user's browser, never in the app.
      // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK only http(s) URLs without credentials reach openExternal (isExternalLink, security.test.ts)
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  await app.whenReady();

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((contents, permission, callback) => callback(isAllowedPermission(permission, contents.getURL())));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isAllowedPermission(permission, requestingOrigin));
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));

  protocol.handle(APP_SCHEME, async (request) => {
    const file = appUrlToFile(request.url, rendererDir, path.join, path.posix.normalize);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
          // electronegativity-justified: CSP_GLOBAL_CHECK the CSP (core/api/csp.ts) is a header on every app:// response, which the tool cannot see
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      // Client-side routes have no file: serve the app shell.
      if (path.extname(file) === '') {
        const index = await readFile(path.join(rendererDir, 'index.html'));
        return new Response(index, { headers: { 'Content-Type': CONTENT_TYPES['.html']!, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } });
      }
      return new Response('not found', { status: 404 });
    }
  });

  const userData = app.getPath('userData');
  const engine = new EngineSupervisor({
    spawn: () => spawnEngineProcess(utilityProcess.fork, path.join(here, '..', 'host', 'worker.js'), { dataDir: userData, shell: 'electron' }),
    log: (line) => console.error(`[engine] ${line}`),
  });
  await engine.start();

  const ipc = registerContractIpc({ ipcMain, api: engine, isOurWebContents: ours });
  // Alert notices become desktop notifications shown by main; a click opens the alert in the first window.
  const alertNotifier = createAlertNotifier(() => [...windows].find((w) => !w.isDestroyed()) ?? null);
  engine.onAnyEvent((name, payload) => {
    if (name === 'alerts.notification') alertNotifier.show(payload as EventPayload<'alerts.notification'>);
    for (const w of windows) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT_CHANNEL, name, payload);
  });

  const createWindow = () => {
    const state = readWindowState(userData);
    const bounds = fitToDisplays(state.bounds, screen.getAllDisplays().map((d) => d.workArea));
    // electronegativity-justified: CONTEXT_ISOLATION_JS_CHECK,SANDBOX_JS_CHECK,AUXCLICK_JS_CHECK webPreferences come from appWebPreferences() (contextIsolation and sandbox true, Auxclick disabled, asserted in security.test.ts); new windows are denied by setWindowOpenHandler
    const win = new BrowserWindow({
      ...(bounds ?? DEFAULT_SIZE),
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: 'Kubeglass',
      backgroundColor: '#101418',
      webPreferences: appWebPreferences(path.join(here, 'preload.cjs')),
    });
    windows.add(win);
    if (state.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    const save = () => {
      if (!win.isDestroyed()) writeWindowState(userData, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
    };
    win.on('close', save);
    const contents = win.webContents;
    const contentsId = contents.id;
    // A page that reloads or goes away must not leave its queries running in the engine.
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) ipc.abortAll(contentsId);
    });
    contents.on('destroyed', () => ipc.abortAll(contentsId));
    win.on('closed', () => windows.delete(win));
    void win.loadURL(APP_ENTRY);
  };

  createWindow();
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    ipc.dispose();
    void engine.close();
  });
}
