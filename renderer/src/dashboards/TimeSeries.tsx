// A uPlot chart: columnar data, crosshair synced across the dashboard, a live legend with every
// series at the cursor (click a name to hide or show it), drag to zoom the dashboard's range.
import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTime, uplotTzDate, useZone } from './timezone.js';
import type { Columnar } from './columnar.js';
import type { Unit } from './schema.js';
import { SERIES_COLORS, readTheme, useDarkMode } from './theme.js';
import { formatValue } from './units.js';

export interface TimeSeriesProps {
  columnar: Columnar;
  unit: Unit;
  decimals?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
  /** Range shown on the x axis in epoch ms (the query range, even where data is missing). */
  start: number;
  end: number;
  syncKey: string;
  onZoom(from: number, to: number): void;
  onDrawn?(): void;
  /** Series hidden from outside (index i is columnar.series[i]); without it the legend toggles them itself. */
  hidden?: readonly boolean[] | undefined;
  /** Takes over legend clicks: isolate is true for shift, ctrl or cmd clicks. */
  onLegendClick?: ((index: number, isolate: boolean) => void) | undefined;
  /** The values the legend shows when the drawn data is transformed (stacked); columnar.data's shape. */
  values?: Columnar['data'] | undefined;
}

function lastValue(col: ArrayLike<number | null | undefined> | undefined): number | null {
  if (!col) return null;
  for (let i = col.length - 1; i >= 0; i--) {
    const v = col[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

export function TimeSeries(props: TimeSeriesProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  useLayoutEffect(() => {
    latest.current = props;
  });
  const dark = useDarkMode();
  const zone = useZone();
  const seriesKey = props.columnar.series.map((s) => s.name).join('\u0000');
  const { unit, decimals, min, max, syncKey } = props;

  // (Re)create the chart when its series, unit or theme change; data alone goes through setData.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const theme = readTheme(dark);
    const fmt = (v: number | null) => formatValue(v, unit, decimals);
    const axis = { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    const { columnar } = latest.current;
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height: Math.max(80, el.clientHeight - 40),
      cursor: {
        sync: { key: syncKey },
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      legend: { live: true },
      tzDate: uplotTzDate(zone),
      scales: {
        x: { time: true, range: () => [latest.current.start / 1000, latest.current.end / 1000] },
        y: { range: (_u, lo, hi) => [min ?? Math.min(0, lo), max ?? (hi > (min ?? 0) ? hi * 1.05 : (min ?? 0) + 1)] },
      },
      axes: [
        { ...axis, space: 60 },
        { ...axis, size: 70, values: (_u, splits) => splits.map((v) => formatValue(v, unit, decimals)) },
      ],
      series: [
        // Without a cursor the legend shows each series' latest value.
        { label: 'Time', value: (_u: uPlot, v: number | null) => (v == null ? 'latest' : formatTime(v * 1000, 'full', zone)) },
        ...columnar.series.map((s, i) => ({
          label: s.name,
          stroke: SERIES_COLORS[i % SERIES_COLORS.length]!,
          width: 1.5,
          spanGaps: false,
          show: !latest.current.hidden?.[i],
          points: { show: false },
          value: (u: uPlot, v: number | null, sidx: number, idx: number | null) => {
            const raw = latest.current.values?.[sidx];
            return fmt(idx == null ? lastValue(raw ?? u.data[sidx]) : raw ? (raw[idx] ?? null) : v);
          },
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 3) {
              const from = u.posToVal(u.select.left, 'x') * 1000;
              const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
              latest.current.onZoom(Math.round(from), Math.round(to));
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        draw: [() => latest.current.onDrawn?.()],
      },
    };
    const u = new uPlot(opts, columnar.data as uPlot.AlignedData, el);
    plot.current = u;
    const fit = () => {
      const legend = u.root.querySelector<HTMLElement>('.u-legend');
      u.setSize({ width: Math.max(100, el.clientWidth), height: Math.max(60, el.clientHeight - (legend?.offsetHeight ?? 0) - 4) });
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    // Legend clicks handed to the owner (capturing, before uPlot's own toggle on the row).
    const legendEl = u.root.querySelector<HTMLElement>('.u-legend');
    const onLegend = (e: MouseEvent) => {
      const handler = latest.current.onLegendClick;
      const row = (e.target as HTMLElement).closest('tr.u-series');
      if (!handler || !row || !legendEl) return;
      const index = [...legendEl.querySelectorAll('tr.u-series')].indexOf(row) - 1;
      if (index < 0) return;
      e.stopPropagation();
      handler(index, e.shiftKey || e.ctrlKey || e.metaKey);
    };
    legendEl?.addEventListener('click', onLegend, true);
    return () => {
      legendEl?.removeEventListener('click', onLegend, true);
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [seriesKey, unit, decimals, min, max, syncKey, dark, zone]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(props.columnar.data as uPlot.AlignedData, true);
  }, [props.columnar, props.start, props.end]);

  const hiddenKey = props.hidden?.map((h) => (h ? '1' : '0')).join('') ?? '';
  useEffect(() => {
    const u = plot.current;
    if (!u || hiddenKey === '') return;
    u.batch(() => {
      for (let i = 0; i < hiddenKey.length; i++) {
        const show = hiddenKey[i] !== '1';
        if (u.series[i + 1] && u.series[i + 1]!.show !== show) u.setSeries(i + 1, { show });
      }
    });
  }, [hiddenKey, seriesKey]);

  const points = props.columnar.data.slice(1).reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
  return <div className="ts-chart" ref={box} data-series={props.columnar.series.length} data-points={points} />;
}
