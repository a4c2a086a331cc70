// The packaging config cannot be exercised here (electron-builder would download Electron), so
// check it against electron-builder's own schema and pin the settings security depends on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
// validateConfiguration only asks its logger whether debug output is on.
const quietLogger = { isEnabled: false, add() {} };
const config = parse(readFileSync(new URL('./electron-builder.yml', import.meta.url), 'utf8'));

describe('electron-builder config', () => {
  it("passes electron-builder's schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('rejects a config with a misspelt key (the validation is real)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    await expect(validateConfiguration({ ...config, electronFusez: {} }, quietLogger)).rejects.toThrow(/electronFusez/);
  });

  it('turns off RunAsNode and NODE_OPTIONS and turns on ASAR integrity', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.asar).toBe(true);
  });

  it('builds AppImage and deb, dmg and nsis, each with an icon that exists', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
    for (const os of ['linux', 'mac', 'win']) {
      expect(() => readFileSync(new URL(config[os].icon, import.meta.url))).not.toThrow();
    }
  });
});
