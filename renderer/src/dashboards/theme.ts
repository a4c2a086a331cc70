// Chart colours come from the page's CSS variables, so charts follow the light and dark themes.
import { useSyncExternalStore } from 'react';

export const SERIES_COLORS = ['#3d85e0', '#e5953b', '#4aa35c', '#d0504f', '#9467bd', '#17a2b8', '#c2579f', '#8c8c3a'];

export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  dark: boolean;
}

const media = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : null;

function subscribe(onChange: () => void): () => void {
  media?.addEventListener('change', onChange);
  return () => media?.removeEventListener('change', onChange);
}

export function useDarkMode(): boolean {
  return useSyncExternalStore(subscribe, () => media?.matches ?? false);
}

export function readTheme(dark: boolean): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v('--text', '#1b1f24'), muted: v('--muted', '#5c6773'), grid: v('--border', '#d9dee4'), dark };
}
