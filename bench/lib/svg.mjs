// A small hand-written SVG chart: requests per second (line) and failed requests per second (red bars) over
// time, reloads shaded, one panel per system side by side on a shared y scale.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * panels: [{ title, binMs, bins: [{ ok, err }], reloads: [{ startMs, endMs, ok }], note }]
 * Returns the SVG text.
 */
export function chart({ title, subtitle, panels }) {
  const W = 460; const H = 260; const padL = 56; const padR = 12; const padT = 34; const padB = 42; const gap = 24;
  const width = panels.length * W + (panels.length - 1) * gap + 20;
  const height = H + 70;
  const perSec = (p, n) => (n * 1000) / p.binMs;
  // One time scale for every panel, so that the systems compare side by side.
  const totalMs = Math.max(...panels.map((p) => Math.max(p.binMs, p.bins.length * p.binMs)));
  const yMax = niceMax(Math.max(1, ...panels.flatMap((p) => p.bins.map((b) => perSec(p, b.ok + b.err)))));
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="600">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="10" y="34" fill="#555">${esc(subtitle)}</text>`);
  panels.forEach((p, k) => {
    const x0 = 10 + k * (W + gap); const y0 = 44;
    const pw = W - padL - padR; const ph = H - padT - padB;
    const X = (ms) => x0 + padL + (ms / totalMs) * pw;
    const Y = (v) => y0 + padT + ph - (v / yMax) * ph;
    out.push(`<g>`);
    out.push(`<text x="${x0 + padL}" y="${y0 + 20}" font-size="13" font-weight="600">${esc(p.title)}</text>`);
    if (p.note) out.push(`<text x="${x0 + W - padR}" y="${y0 + 20}" text-anchor="end" fill="#555">${esc(p.note)}</text>`);
    for (const r of p.reloads) {
      out.push(`<rect x="${X(r.startMs).toFixed(1)}" y="${y0 + padT}" width="${Math.max(1.5, X(r.endMs) - X(r.startMs)).toFixed(1)}" height="${ph}" fill="${r.ok ? '#dbe9ff' : '#ffd6d6'}"/>`);
    }
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4; const y = Y(v);
      out.push(`<line x1="${x0 + padL}" x2="${x0 + padL + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${x0 + padL - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#444">${v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : +v.toFixed(0)}</text>`);
    }
    const stepS = totalMs > 40_000 ? 10 : totalMs > 12_000 ? 5 : 1;
    for (let s = 0; s * 1000 <= totalMs; s += stepS) {
      out.push(`<text x="${X(s * 1000).toFixed(1)}" y="${y0 + padT + ph + 14}" text-anchor="middle" fill="#444">${s}s</text>`);
    }
    out.push(`<line x1="${x0 + padL}" x2="${x0 + padL + pw}" y1="${y0 + padT + ph}" y2="${y0 + padT + ph}" stroke="#999"/>`);
    const bw = Math.max(1, pw / Math.max(1, p.bins.length) - 0.5);
    p.bins.forEach((b, i) => {
      if (!b.err) return;
      const v = perSec(p, b.err);
      out.push(`<rect x="${X(i * p.binMs).toFixed(1)}" y="${Y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(Y(0) - Y(v)).toFixed(1)}" fill="#d62728"/>`);
    });
    const pts = p.bins.map((b, i) => `${X((i + 0.5) * p.binMs).toFixed(1)},${Y(perSec(p, b.ok)).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
    out.push(`<text x="${x0 + 12}" y="${y0 + padT + ph / 2}" transform="rotate(-90 ${x0 + 12} ${y0 + padT + ph / 2})" text-anchor="middle" fill="#444">requests/s</text>`);
    out.push(`</g>`);
  });
  const ly = height - 12;
  out.push(`<g fill="#333"><line x1="10" x2="30" y1="${ly - 4}" y2="${ly - 4}" stroke="#1f77b4" stroke-width="2"/><text x="34" y="${ly}">2xx responses/s</text>`);
  out.push(`<rect x="140" y="${ly - 10}" width="12" height="10" fill="#d62728"/><text x="156" y="${ly}">failed requests/s (errors + non-2xx)</text>`);
  out.push(`<rect x="360" y="${ly - 10}" width="12" height="10" fill="#dbe9ff"/><text x="376" y="${ly}">reload in progress (command start to end)</text></g>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
