// Stands in for the 'electron' package in unit tests: the real one downloads a binary when
// imported. Tests that need behaviour mock what they use with vi.mock('electron', …).
export const app = {};
export const ipcMain = {};
export const ipcRenderer = {};
export const contextBridge = {};
export const protocol = {};
export const session = {};
export const shell = {};
export const screen = {};
export const utilityProcess = {};
export class BrowserWindow {}
