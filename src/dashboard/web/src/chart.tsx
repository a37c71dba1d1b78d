/** A uPlot time-series chart that follows its container's width and new data. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
}

interface Props {
  /** Names the quantity and its unit (`Latency p99 (ms)`): tick labels carry numbers only. */
  title: string;
  /** Seconds since the epoch. */
  times: number[];
  series: Series[];
  /** The y range for the data's min and max, e.g. a fixed 0–100 for weights. */
  range?: (min: number, max: number) => [number, number];
  /** Spoken summary for screen readers (the latest values). */
  summary: string;
}

const HEIGHT = 200;
const FONT = '12px system-ui, sans-serif';
/** At least this many pixels between time labels: `12:34:56` never runs into its neighbour. */
const TIME_LABEL_SPACE = 90;

const clockTime = (seconds: number): string =>
  new Date(seconds * 1000).toLocaleTimeString([], {
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** Trims float noise (0.30000000000000004) from tick labels. */
const tickLabel = (value: number): string => String(Number(value.toPrecision(6)));

/** The y axis is as wide as its longest label, so no label is clipped at the left edge. */
function yAxisSize(u: uPlot, values: string[] | null): number {
  u.ctx.font = FONT;
  const widest = Math.max(0, ...(values ?? []).map((v) => u.ctx.measureText(v).width));
  return Math.ceil(widest / devicePixelRatio) + 24;
}

function optionsFor(props: Props, width: number): uPlot.Options {
  const { range } = props;
  return {
    width,
    height: HEIGHT,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: range ? { range: (_u, min, max) => range(min, max) } : { auto: true } },
    axes: [
      { stroke: '#333', font: FONT, space: TIME_LABEL_SPACE, values: (_u, ticks) => ticks.map(clockTime) },
      { stroke: '#333', font: FONT, size: yAxisSize, values: (_u, ticks) => ticks.map(tickLabel) },
    ],
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        ...(s.dash ? { dash: s.dash } : {}),
        // Nulls are gaps (between runs, or nothing measured): never bridged by a line.
        spanGaps: false,
        points: { show: true, size: 4 },
      })),
    ],
  };
}

export function Chart(props: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data: uPlot.AlignedData = [props.times, ...props.series.map((s) => s.values)];
  const shape = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const chart = new uPlot(optionsFor(props, Math.max(240, el.clientWidth)), data, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(240, el.clientWidth), height: HEIGHT });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
    // Recreated only when the series change; new points go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={container} class="chart-area" role="img" aria-label={`${props.title}: ${props.summary}`} />
    </figure>
  );
}
