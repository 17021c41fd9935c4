/**
 * What the import CLI shows: a progress bar redrawn in place on a terminal, plain lines elsewhere
 * (CI logs, pipes). Pure functions of what the status resource says, so they are tested alone.
 */
export interface ProgressView {
  readonly phase: 'uploading' | 'receiving' | 'queued' | 'processing' | 'completed' | 'failed';
  /** 0..1 of the file (bytes sent while uploading, bytes processed after). */
  readonly fraction: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** File lines read so far (the CSV header counts). */
  readonly lines: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Lines per second (bytes per second while uploading); undefined until measurable. */
  readonly rate?: number | undefined;
  readonly etaSeconds?: number | undefined;
}

const clamp = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${String(Math.round(n))} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${String(m)}m${String(s % 60).padStart(2, '0')}s`;
  return `${String(Math.floor(m / 60))}h${String(m % 60).padStart(2, '0')}m`;
}

/** `[#########---------]` of exactly `width` cells (brackets included). */
export function bar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const full = Math.floor(clamp(fraction) * inner);
  return `[${'#'.repeat(full)}${'-'.repeat(inner - full)}]`;
}

function details(v: ProgressView): string {
  const parts: string[] = [];
  if (v.phase === 'uploading') {
    parts.push(`${formatBytes(v.bytesDone)}/${formatBytes(v.bytesTotal)}`);
    if (v.rate !== undefined) parts.push(`${formatBytes(v.rate)}/s`);
  } else {
    parts.push(
      `${formatCount(v.lines)} lines`,
      `${formatCount(v.accepted)} accepted`,
      `${formatCount(v.rejected)} rejected`,
    );
    if (v.rate !== undefined) parts.push(`${formatCount(v.rate)} lines/s`);
  }
  if (v.etaSeconds !== undefined && v.phase !== 'completed')
    parts.push(`ETA ${formatDuration(v.etaSeconds)}`);
  return parts.join(' · ');
}

/**
 * One terminal line, at most `columns` wide: phase, bar, percentage, then as many details as fit.
 */
export function renderBar(v: ProgressView, columns: number): string {
  const pct = `${String(Math.floor(clamp(v.fraction) * 100)).padStart(3)}%`;
  const phase = v.phase.padEnd(10);
  const info = details(v);
  const room = Math.max(0, columns - 1);
  const barWidth = Math.max(10, Math.min(40, room - phase.length - pct.length - info.length - 3));
  const line = `${phase} ${bar(v.fraction, barWidth)} ${pct} ${info}`;
  return line.length > room ? line.slice(0, room) : line;
}

/** A plain log line (no control characters). */
export function plainLine(v: ProgressView): string {
  return `${v.phase} ${String(Math.floor(clamp(v.fraction) * 100))}% ${details(v)}`;
}
