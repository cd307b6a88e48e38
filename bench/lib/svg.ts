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
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<style>
  .title { font-size: 17px; font-weight: bold; fill: #222; }
  .sub { font-size: 11px; fill: #555; }
  .h { font-size: 13px; font-weight: bold; fill: #222; }
  .l { font-size: 11px; fill: #333; }
  .v { font-size: 11px; fill: #222; }
  .s { font-size: 9px; fill: #a00; }
  .t { stroke: #a00; stroke-width: 1.5; stroke-dasharray: 3 2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" class="title">${esc(c.title)}</text>
<text x="20" y="47" class="sub">${esc(c.subtitle)}</text>
${body.join('\n')}
</svg>
`;
}
