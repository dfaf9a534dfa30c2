// The dashboard's Usage tab: the plan and subscription, the limits with meters, an Upgrade
// button (Stripe Checkout) for a free tenant when billing is on, and a chart of this month's
// daily API calls and tokens drawn here as SVG (no library, no CDN).

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** A round number at or above `n` for the chart's scale (1, 2, 5 × 10^k). */
function niceMax(n) {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n);
}

/** Grouped bars of `days` (date, apiCalls, tokensIssued), one group per day of the month. */
function drawChart(svg, month, days) {
  const [year, mon] = month.split('-').map(Number);
  const count = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  const byDate = new Map(days.map((d) => [d.date, d]));
  const max = niceMax(Math.max(1, ...days.map((d) => Math.max(d.apiCalls, d.tokensIssued))));
  const width = 720, height = 240, left = 48, bottom = 24, top = 12;
  const plot = height - bottom - top;
  const slot = (width - left) / count;
  const bar = Math.max(1, slot / 2 - 1);
  const y = (v) => top + plot - (plot * v) / max;
  const parts = [];
  for (const tick of [0, max / 2, max]) {
    parts.push(s('line', { x1: left, x2: width, y1: y(tick), y2: y(tick), class: 'grid' }));
    parts.push(s('text', { x: left - 6, y: y(tick) + 4, class: 'axis', 'text-anchor': 'end' }, String(tick)));
  }
  for (let day = 1; day <= count; day++) {
    const date = `${month}-${String(day).padStart(2, '0')}`;
    const d = byDate.get(date) || { apiCalls: 0, tokensIssued: 0 };
    const x = left + (day - 1) * slot;
    for (const [value, cls, label, offset] of [[d.apiCalls, 'calls', 'API calls', 0], [d.tokensIssued, 'tokens', 'tokens', bar]]) {
      parts.push(s('rect', { x: x + offset + 1, y: y(value), width: bar, height: top + plot - y(value), class: cls },
        s('title', {}, `${date}: ${value} ${label}`)));
    }
    if (day === 1 || day % 5 === 0) {
      parts.push(s('text', { x: x + slot / 2, y: height - 6, class: 'axis', 'text-anchor': 'middle' }, String(day)));
    }
  }
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren(...parts);
}

/** Fills a meter and its text from `{used, limit}`. */
function showMeter(key, unit, metered) {
  const { used, limit } = metered;
  const meter = document.getElementById('usage-' + key);
  meter.max = limit || Math.max(used, 1);
  meter.value = used;
  const text = limit === null
    ? used + ' ' + unit + ' (no limit)'
    : used + ' of ' + limit + ' ' + unit + (used >= limit ? ': limit reached' : ' (' + Math.round((100 * used) / limit) + ' %)');
  document.getElementById('usage-' + key + '-text').textContent = text;
}

async function loadUsage() {
  hideError('usage-error');
  try {
    const usage = await api('GET', '/v1/billing/usage');
    document.getElementById('usage-month').textContent = usage.month;
    document.getElementById('usage-plan').textContent = usage.plan;
    document.getElementById('usage-billing').textContent = usage.billingEnabled
      ? 'Subscription: ' + (usage.subscriptionStatus || 'none') + '.'
      : 'Billing is not enabled on this server: the limits below are its own.';
    document.getElementById('upgrade').hidden = !(usage.billingEnabled && usage.plan === 'free');
    showMeter('calls', 'API calls today', usage.apiCalls || { used: 0, limit: null });
    showMeter('tokens', 'tokens', usage.tokens);
    showMeter('agents', 'agents', usage.agents);
    drawChart(document.getElementById('usage-chart'), usage.month, usage.days || []);
  } catch (error) {
    showError('usage-error', error);
  }
}

async function upgrade(event) {
  const button = event.currentTarget;
  hideError('usage-error');
  button.disabled = true;
  try {
    const { checkoutUrl } = await api('POST', '/v1/billing/checkout');
    window.location.assign(checkoutUrl);
  } catch (error) {
    showError('usage-error', error);
    button.disabled = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('upgrade').addEventListener('click', upgrade);
});
