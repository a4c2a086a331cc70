import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitToDisplays, MIN_SIZE, readWindowState, writeWindowState, type Bounds, type WindowState } from './window-state.js';

const laptop: Bounds = { x: 0, y: 0, width: 1440, height: 900 };
const monitorRight: Bounds = { x: 1440, y: 0, width: 2560, height: 1440 };
const monitorLeft: Bounds = { x: -1920, y: 0, width: 1920, height: 1080 };

describe('fitToDisplays', () => {
  it.each([
    ['on the only display', { x: 100, y: 80, width: 1280, height: 820 }, [laptop]],
    ['on a second display', { x: 2000, y: 100, width: 1280, height: 820 }, [laptop, monitorRight]],
    ['on a display left of the primary (negative x)', { x: -1800, y: 50, width: 1280, height: 820 }, [monitorLeft, laptop]],
    ['spanning two displays', { x: 1000, y: 0, width: 1280, height: 820 }, [laptop, monitorRight]],
    ['hanging off the right edge with 300 px of title bar visible', { x: 1140, y: 0, width: 1280, height: 820 }, [laptop]],
    ['a minimum-size window mostly off screen with a quarter of its title bar visible', { x: 1440 - 180, y: 0, width: 720, height: 480 }, [laptop]],
  ])('keeps bounds %s', (_why, saved, areas) => {
    expect(fitToDisplays(saved, areas)).toEqual(saved);
  });

  it.each([
    ['its display was unplugged', { x: 2000, y: 100, width: 1280, height: 820 }, [laptop]],
    ['it was on a left display that is gone', { x: -1800, y: 50, width: 1280, height: 820 }, [laptop]],
    ['only 100 px of its title bar would be visible', { x: 1340, y: 0, width: 1280, height: 820 }, [laptop]],
    ['its title bar is above every display', { x: 100, y: -200, width: 1280, height: 820 }, [laptop]],
    ['it is below every display', { x: 100, y: 900, width: 1280, height: 820 }, [laptop]],
    ['there is no display at all', { x: 0, y: 0, width: 1280, height: 820 }, []],
  ])('returns null when %s', (_why, saved, areas) => {
    expect(fitToDisplays(saved, areas)).toBeNull();
  });

  it('returns null for no saved bounds', () => {
    expect(fitToDisplays(null, [laptop])).toBeNull();
  });

  it.each([
    [{ x: 10, y: 10, width: 100, height: 50 }, { x: 10, y: 10, width: MIN_SIZE.width, height: MIN_SIZE.height }],
    [{ x: 10, y: 10, width: 0, height: 0 }, { x: 10, y: 10, width: MIN_SIZE.width, height: MIN_SIZE.height }],
    [{ x: 10, y: 10, width: -500, height: 1000 }, { x: 10, y: 10, width: MIN_SIZE.width, height: 1000 }],
    [{ x: 10, y: 10, width: 1000, height: 100 }, { x: 10, y: 10, width: 1000, height: MIN_SIZE.height }],
    [{ x: 10.4, y: 9.6, width: 1000.5, height: 700.2 }, { x: 10, y: 10, width: 1001, height: 700 }],
  ])('clamps %o to the minimum size and whole pixels: %o', (saved, expected) => {
    expect(fitToDisplays(saved, [laptop])).toEqual(expected);
  });
});

describe('readWindowState / writeWindowState', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubeglass-window-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fallback: WindowState = { bounds: null, maximized: false };

  it.each<WindowState>([
    { bounds: { x: 12, y: -34, width: 1280, height: 820 }, maximized: false },
    { bounds: { x: 0, y: 0, width: 720, height: 480 }, maximized: true },
    { bounds: null, maximized: true },
  ])('round-trips %o', (state) => {
    writeWindowState(dir, state);
    expect(readWindowState(dir)).toEqual(state);
  });

  it('overwrites the previous state atomically, leaving no temp file', () => {
    writeWindowState(dir, { bounds: { x: 1, y: 2, width: 800, height: 600 }, maximized: true });
    writeWindowState(dir, { bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: false });
    expect(readWindowState(dir)).toEqual({ bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: false });
    expect(readdirSync(dir)).toEqual(['window-state.json']);
  });

  it('returns the default state when the file is missing', () => {
    expect(existsSync(path.join(dir, 'window-state.json'))).toBe(false);
    expect(readWindowState(dir)).toEqual(fallback);
  });

  it('returns the default state when the directory is missing', () => {
    expect(readWindowState(path.join(dir, 'does-not-exist'))).toEqual(fallback);
  });

  it.each([
    ['garbage', 'not json {'],
    ['an empty file', ''],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a truncated write', '{"bounds":{"x":1,"y":2,"wid'],
  ])('returns the default state for %s', (_why, content) => {
    writeFileSync(path.join(dir, 'window-state.json'), content);
    expect(readWindowState(dir)).toEqual(fallback);
  });

  it.each([
    ['string coordinates', { bounds: { x: '1', y: 2, width: 800, height: 600 }, maximized: true }, { bounds: null, maximized: true }],
    ['a missing height', { bounds: { x: 1, y: 2, width: 800 }, maximized: false }, { bounds: null, maximized: false }],
    ['non-finite numbers (null after JSON)', { bounds: { x: Infinity, y: 2, width: 800, height: 600 } }, { bounds: null, maximized: false }],
    ['a truthy non-boolean maximized', { bounds: null, maximized: 'yes' }, { bounds: null, maximized: false }],
    [
      'extra keys',
      { bounds: { x: 1, y: 2, width: 800, height: 600, display: 'x' }, maximized: true, extra: 1 },
      { bounds: { x: 1, y: 2, width: 800, height: 600 }, maximized: true },
    ],
  ])('keeps only well-formed fields given %s', (_why, raw, expected) => {
    writeFileSync(path.join(dir, 'window-state.json'), JSON.stringify(raw));
    expect(readWindowState(dir)).toEqual(expected);
  });
});
