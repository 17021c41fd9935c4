import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  bar,
  formatBytes,
  formatCount,
  formatDuration,
  plainLine,
  renderBar,
  type ProgressView,
} from './progress.js';

const view = (over: Partial<ProgressView> = {}): ProgressView => ({
  phase: 'processing',
  fraction: 0.5,
  bytesDone: 500,
  bytesTotal: 1000,
  lines: 50_001,
  accepted: 49_500,
  rejected: 500,
  rate: 4200,
  etaSeconds: 12,
  ...over,
});

const views = fc.record({
  phase: fc.constantFrom(
    'uploading' as const,
    'receiving' as const,
    'queued' as const,
    'processing' as const,
    'completed' as const,
    'failed' as const,
  ),
  fraction: fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(2), fc.constant(-1)),
  bytesDone: fc.nat(),
  bytesTotal: fc.nat(),
  lines: fc.nat(),
  accepted: fc.nat(),
  rejected: fc.nat(),
  rate: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: undefined }),
  etaSeconds: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: undefined }),
});

describe('the progress bar', () => {
  it('fills in proportion, within its width', () => {
    expect(bar(0, 12)).toBe('[----------]');
    expect(bar(0.5, 12)).toBe('[#####-----]');
    expect(bar(1, 12)).toBe('[##########]');
  });

  it('is always exactly as wide as asked, whatever the fraction', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 3, max: 200 }), (f, w) => {
        const b = bar(f, w);
        expect(b).toHaveLength(w);
        expect(b).toMatch(/^\[#*-*\]$/);
      }),
    );
  });

  it('never draws a line wider than the terminal, nor a control character', () => {
    fc.assert(
      fc.property(views, fc.integer({ min: 20, max: 300 }), (v, columns) => {
        const line = renderBar(v, columns);
        expect(line.length).toBeLessThan(columns);
        // eslint-disable-next-line no-control-regex
        expect(line).not.toMatch(/[\u0000-\u001f]/);
      }),
    );
  });

  it('shows the phase, the percentage and the counts', () => {
    expect(renderBar(view(), 160)).toBe(
      'processing [###################-------------------]  50% 50,001 lines · 49,500 accepted · 500 rejected · 4,200 lines/s · ETA 12s',
    );
    expect(renderBar(view({ phase: 'uploading', rate: 2 * 1024 * 1024 }), 120)).toContain(
      '500 B/1000 B · 2.0 MiB/s',
    );
  });
});

describe('plain progress lines', () => {
  it('say the same without drawing', () => {
    expect(plainLine(view({ etaSeconds: undefined }))).toBe(
      'processing 50% 50,001 lines · 49,500 accepted · 500 rejected · 4,200 lines/s',
    );
    fc.assert(
      fc.property(views, (v) => {
        // eslint-disable-next-line no-control-regex
        expect(plainLine(v)).not.toMatch(/[\u0000-\u001f]/);
      }),
    );
  });
});

describe('formatting', () => {
  it('counts, bytes and durations', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(19.5 * 1024 * 1024)).toBe('19.5 MiB');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3h01m');
  });
});
