// Where Kubeglass keeps its data when no --data-dir is given: the same folder Electron's
// app.getPath('userData') uses, so the desktop app and browser mode share one history.
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Kubeglass';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), PRODUCT_NAME);
}
