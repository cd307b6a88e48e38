/**
 * A hand-written SVG of the simulation's outcome: which layer stopped each attack
 * attempt, where attacker yen came from, and what the honest users paid in friction.
 */
export interface ChartInput {
  title: string;
  subtitle: string;
  stoppedByLayer: Record<string, number>;
  attackerYen: { label: string; yen: number; color: string }[];
  friction: { label: string; pct: number; target?: number }[];
}

const LAYER_LABELS: Record<string, string> = {
  KYC_REQUIRED: 'eKYC required to link',
  BANK_PIN: 'bank PIN',
  BANK_OTP: 'bank one-time code',
  HOLDER_MISMATCH: 'holder ≠ eKYC identity',
  WALLET_FREEZE: 'wallet frozen',
  ACCOUNT_LOCK: 'bank account locked',
  SMS_CHALLENGE: 'SMS challenge',
  HOLDER_CHANNEL: 'code to the holder\'s bank phone',
  HUMAN_REVIEW: 'human review',
  LIMITS: 'limits',
  NOT_STOPPED_REVIEWER_APPROVED: 'not stopped (reviewer approved)',
  NOT_STOPPED: 'not stopped',
  UNRESOLVED: 'unresolved',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const yen = (n: number) => `¥${Math.round(n).toLocaleString('en-US')}`;

function hbars(x: number, y: number, width: number, title: string, rows: { label: string; value: number; text: string; color: string; target?: number; targetText?: string }[], max: number): string {
  const labelW = 230;
  const barW = width - labelW - 90;
  const rowH = 22;
  const parts = [`<text x="${x}" y="${y}" class="h">${esc(title)}</text>`];
  rows.forEach((r, i) => {
    const top = y + 14 + i * rowH;
    const w = max > 0 ? Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barW) : 0;
    parts.push(`<text x="${x + labelW - 8}" y="${top + 14}" class="l" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(`<rect x="${x + labelW}" y="${top + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" fill="${r.color}"/>`);
    parts.push(`<text x="${x + labelW + w + 6}" y="${top + 14}" class="v">${esc(r.text)}</text>`);
    if (r.target !== undefined && max > 0) {
      const tx = x + labelW + (r.target / max) * barW;
      parts.push(`<line x1="${tx.toFixed(1)}" y1="${top}" x2="${tx.toFixed(1)}" y2="${top + rowH - 2}" class="t"/>`);
      if (r.targetText) parts.push(`<text x="${(tx + 3).toFixed(1)}" y="${top + 2}" class="s">${esc(r.targetText)}</text>`);
    }
  });
  return parts.join('\n');
}

export function renderChart(c: ChartInput): string {
  const width = 760;
  const layers = Object.entries(c.stoppedByLayer).filter(([k, v]) => v > 0 || !k.startsWith('UNRESOLVED'));
  const layerColor = (k: string) => (k.startsWith('NOT_STOPPED') ? '#c0392b' : '#2e86c1');
  const panel1H = 30 + layers.length * 22;
  const panel2H = 30 + c.attackerYen.length * 22;
  const panel3H = 40 + c.friction.length * 30;
  const height = 70 + panel1H + 20 + panel2H + 20 + panel3H + 10;
  const maxLayer = Math.max(1, ...layers.map(([, v]) => v));
  const maxYen = Math.max(1, ...c.attackerYen.map((r) => r.yen));
  const maxPct = Math.max(1, ...c.friction.map((r) => Math.max(r.pct, r.target ?? 0))) * 1.15;
  let y = 70;
  const body = [
    hbars(20, y, width, 'Attack attempts, by the layer that stopped them', layers.map(([k, v]) => ({ label: LAYER_LABELS[k] ?? k, value: v, text: String(v), color: layerColor(k) })), maxLayer),
  ];
  y += panel1H + 20;
  body.push(hbars(20, y, width, 'Yen that reached attackers\' wallets', c.attackerYen.map((r) => ({ label: r.label, value: r.yen, text: yen(r.yen), color: r.color })), maxYen));
  y += panel2H + 20;
  body.push(
    hbars(
      20, y, width, 'Friction for honest charges (target lines from issue 6)',
      c.friction.map((r) => ({ label: r.label, value: r.pct, text: `${r.pct.toFixed(2)} %`, color: '#7d3c98', target: r.target, targetText: r.target !== undefined ? `target ${r.target} %` : undefined })),
      maxPct,
    ),
  );
  return svgDocument(width, height, c.title, c.subtitle, body, 13);
}

/** One setting's result on the loss-against-friction chart. */
export interface LossFrictionPoint {
  label: string;
  /** Honest charges that met any friction (held, a code, a human), %. */
  frictionPct: number;
  /** The most attacker yen taken from one victim without a human decision. */
  maxPerVictimYen: number;
  totalYen: number;
  inWindowYen: number;
  heldPct: number;
  challengedPct: number;
  reviewedPct: number;
  medianFirstMoneyHours: number | null;
  /** Victims the attackers went after (the goal line is 10,000 yen each). */
  victims: number;
}

/**
 * Loss against friction, one point per rule setting: x is the share of honest charges that met
 * any friction, y the attacker yen taken without a human decision. The goals of issue 12 are the
 * dashed lines (3 % friction per kind; 10,000 yen per victim, times the victims of the
 * scenario); below and left is better.
 */
export function renderLossFriction(c: { title: string; subtitle: string; points: LossFrictionPoint[] }): string {
  const width = 760;
  const plot = { x: 90, y: 70, w: 600, h: 300 };
  const maxX = Math.max(5, ...c.points.map((p) => p.frictionPct)) * 1.15;
  const goalY = 10_000 * (c.points[0]?.victims ?? 0); // the first point's scenario
  const maxY = Math.max(goalY, 20_000, ...c.points.map((p) => p.totalYen)) * 1.15;
  const px = (v: number) => plot.x + (v / maxX) * plot.w;
  const py = (v: number) => plot.y + plot.h - (v / maxY) * plot.h;
  const colors = ['#2e86c1', '#c0392b', '#27ae60', '#8e44ad', '#e67e22', '#7f8c8d'];
  const ticks = (max: number, n: number) => Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
  const parts: string[] = [];
  parts.push(`<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="#fafafa" stroke="#999"/>`);
  for (const t of ticks(maxX, 5)) parts.push(`<text x="${px(t).toFixed(1)}" y="${plot.y + plot.h + 16}" class="l" text-anchor="middle">${t.toFixed(1)} %</text>`);
  for (const t of ticks(maxY, 5)) parts.push(`<text x="${plot.x - 6}" y="${(py(t) + 4).toFixed(1)}" class="l" text-anchor="end">${esc(yen(t))}</text>`);
  parts.push(`<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 34}" class="h" text-anchor="middle">honest charges held, challenged or reviewed (%)</text>`);
  parts.push(`<text x="18" y="${plot.y + plot.h / 2}" class="h" text-anchor="middle" transform="rotate(-90 18 ${plot.y + plot.h / 2})">attacker yen without a human decision</text>`);
  parts.push(`<line x1="${plot.x}" y1="${py(goalY).toFixed(1)}" x2="${plot.x + plot.w}" y2="${py(goalY).toFixed(1)}" class="t"/><text x="${plot.x + plot.w - 4}" y="${(py(goalY) - 4).toFixed(1)}" class="s" text-anchor="end">goal ≤ ¥10,000 × ${c.points[0]?.victims ?? 0} victims of ${esc(c.points[0]?.label ?? '')}</text>`);
  parts.push(`<line x1="${px(3).toFixed(1)}" y1="${plot.y}" x2="${px(3).toFixed(1)}" y2="${plot.y + plot.h}" class="t"/><text x="${(px(3) + 4).toFixed(1)}" y="${plot.y + 12}" class="s">3 %</text>`);
  c.points.forEach((p, i) => {
    const color = colors[i % colors.length];
    parts.push(`<circle cx="${px(p.frictionPct).toFixed(1)}" cy="${py(p.totalYen).toFixed(1)}" r="6" fill="${color}"/>`);
    parts.push(`<text x="${(px(p.frictionPct) + 9).toFixed(1)}" y="${(py(p.totalYen) + 4 + (i % 2 ? 14 : -10)).toFixed(1)}" class="v">${esc(p.label)}</text>`);
  });
  const tableY = plot.y + plot.h + 60;
  const cols = ['setting', 'held %', 'code %', 'review %', 'first money (h)', 'max/victim', 'total, no human', 'in window'];
  const colX = [20, 240, 290, 350, 450, 535, 635, 730];
  parts.push(cols.map((h, i) => `<text x="${colX[i]}" y="${tableY}" class="h" ${i ? 'text-anchor="end"' : ''}>${esc(h)}</text>`).join(''));
  c.points.forEach((p, r) => {
    const y = tableY + 18 * (r + 1);
    const cells = [p.label, p.heldPct.toFixed(2), p.challengedPct.toFixed(2), p.reviewedPct.toFixed(2), p.medianFirstMoneyHours === null ? '–' : p.medianFirstMoneyHours.toFixed(1), yen(p.maxPerVictimYen), yen(p.totalYen), yen(p.inWindowYen)];
    parts.push(`<circle cx="12" cy="${y - 4}" r="4" fill="${colors[r % colors.length]}"/>` + cells.map((v, i) => `<text x="${colX[i]}" y="${y}" class="l" ${i ? 'text-anchor="end"' : ''}>${esc(v)}</text>`).join(''));
  });
  const height = tableY + 18 * (c.points.length + 1) + 10;
  return svgDocument(width, height, c.title, c.subtitle, parts, 11);
}

/** The page every chart of the benchmark and the simulation is drawn on: one style sheet, the title and subtitle. */
function svgDocument(width: number, height: number, title: string, subtitle: string, body: string[], headingPx: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<style>
  .title { font-size: 17px; font-weight: bold; fill: #222; }
  .sub { font-size: 11px; fill: #555; }
  .h { font-size: ${headingPx}px; font-weight: bold; fill: #222; }
  .l { font-size: 11px; fill: #333; }
  .v { font-size: 11px; fill: #222; }
  .s { font-size: 9px; fill: #a00; }
  .t { stroke: #a00; stroke-width: 1.5; stroke-dasharray: 3 2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" class="title">${esc(title)}</text>
<text x="20" y="47" class="sub">${esc(subtitle)}</text>
${body.join('\n')}
</svg>
`;
}
