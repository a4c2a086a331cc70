// Remembers the main window's bounds across launches, and puts a window back on screen when
// the display it was on is gone (a laptop undocked from its monitor).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Bounds | null;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 720, height: 480 };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function readWindowState(userData: string): WindowState {
  try {
    const raw = JSON.parse(readFileSync(path.join(userData, 'window-state.json'), 'utf8')) as Partial<WindowState>;
    const b = raw.bounds;
    const bounds = b && isNum(b.x) && isNum(b.y) && isNum(b.width) && isNum(b.height) ? { x: b.x, y: b.y, width: b.width, height: b.height } : null;
    return { bounds, maximized: raw.maximized === true };
  } catch {
    return { bounds: null, maximized: false };
  }
}

export function writeWindowState(userData: string, state: WindowState): void {
  const file = path.join(userData, 'window-state.json');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

function overlap(a: Bounds, b: Bounds): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Saved bounds if enough of the window (a title bar's worth) is on some display's work area;
 * otherwise null, and the window opens at the default size, centred.
 */
export function fitToDisplays(saved: Bounds | null, workAreas: Bounds[]): Bounds | null {
  if (!saved) return null;
  const width = Math.max(MIN_SIZE.width, Math.round(saved.width));
  const height = Math.max(MIN_SIZE.height, Math.round(saved.height));
  const bounds = { x: Math.round(saved.x), y: Math.round(saved.y), width, height };
  const titleBar = { x: bounds.x, y: bounds.y, width: bounds.width, height: 40 };
  const visible = workAreas.some((area) => overlap(titleBar, area) >= Math.min(200 * 40, titleBar.width * 40 * 0.25));
  return visible ? bounds : null;
}
