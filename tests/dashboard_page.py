"""What the browser tests read from the dashboard page (panels, labels, key figures).

The dashboard draws its plots as panels of one board: each is a
``section.explorer-panel[data-panel=KEY]`` holding one plotly div; ``data-draws`` counts
its completed draws. Shared by tests/test_browser.py and benchmarks/screenshot.py.
"""

from __future__ import annotations

PANEL_KEYS = ("issue_map", "redline_gap", "utility", "distance", "chance", "deals", "sensitivity", "forecast")

#: (n) => true once n panels exist and each has been drawn at least once.
JS_PANELS_DRAWN = """(n) => {
  const s = [...document.querySelectorAll('section.explorer-panel')];
  return s.length >= n && s.every((x) => +x.dataset.draws >= 1);
}"""

#: () => {key: {draws, data}}: each panel's draw count and trace data (typed arrays made plain).
JS_PANELS = """() => {
  const plain = (v) => {
    if (v === null || v === undefined) return v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === 'object') { const o = {}; for (const k of Object.keys(v).sort()) if (k !== 'uid') o[k] = plain(v[k]); return o; }
    return v;
  };
  const out = {};
  for (const s of document.querySelectorAll('section.explorer-panel')) {
    const gd = s.querySelector('.js-plotly-plot');
    out[s.dataset.panel] = {draws: +s.dataset.draws,
      data: JSON.stringify(gd && gd.data ? gd.data.map((t) => ({x: plain(t.x), y: plain(t.y), z: plain(t.z)})) : null)};
  }
  return out;
}"""

#: (rootSelector) => [description of each truncated text element] under the root: an element showing
#: text whose content is wider than its box while it hides the overflow, and a single <select> whose
#: chosen option's text is wider than the select.
JS_TRUNCATED_IN = """(rootSelector) => {
  const out = [];
  const root = document.querySelector(rootSelector) || document.body;
  for (const el of root.querySelectorAll('*')) {
    if (!el.offsetParent || el.closest('svg')) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText) continue;
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && (style.overflowX !== 'visible' || style.textOverflow === 'ellipsis')) {
      out.push(`${el.tagName}.${el.className}: "${el.textContent.trim().slice(0, 60)}"`);
    }
  }
  const canvas = document.createElement('canvas').getContext('2d');
  for (const sel of root.querySelectorAll('select:not([multiple])')) {
    if (!sel.offsetParent) continue;
    const style = getComputedStyle(sel);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : '';
    if (!text) continue;  // nothing chosen (or not laid out yet): nothing to cut short
    const room = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 18;
    if (canvas.measureText(text).width > room) out.push(`select: "${text}" (${Math.round(canvas.measureText(text).width)} > ${Math.round(room)} px)`);
  }
  return out;
}"""

#: the same within the dashboard
JS_TRUNCATED = f"() => ({JS_TRUNCATED_IN})('.explorer-dashboard')"

#: () => [panel keys whose plot is clipped or leaves dead space]: a panel passes the window's right edge,
#: or its drawn plot is wider than its box, or narrower by more than 4 px (not following the width).
JS_CLIPPED = """() => {
  const out = [];
  for (const s of document.querySelectorAll('section.explorer-panel')) {
    const box = s.getBoundingClientRect();
    const plot = s.querySelector('.explorer-panel-plot');
    const svg = s.querySelector('.main-svg');
    const inner = plot.getBoundingClientRect();
    const drawn = svg ? svg.getBoundingClientRect().width : 0;
    if (box.right > window.innerWidth + 0.5) out.push(`${s.dataset.panel}: right edge ${box.right} > ${window.innerWidth}`);
    if (Math.abs(drawn - inner.width) > 4) out.push(`${s.dataset.panel}: plot ${drawn} px in a ${inner.width} px box`);
  }
  if (document.scrollingElement.scrollWidth > window.innerWidth + 1) out.push('page scrolls sideways');
  return out;
}"""


#: () => [pairs of tick labels drawn over each other, in any panel]
JS_OVERLAPPING_TICKS = """() => {
  const out = [];
  for (const s of document.querySelectorAll('section.explorer-panel')) {
    for (const axis of ['.xtick text', '.ytick text']) {
      const boxes = [...s.querySelectorAll(axis)].map((t) => [t.textContent, t.getBoundingClientRect()]);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, p] = boxes[i], [b, q] = boxes[j];
        if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) {
          out.push(`${s.dataset.panel}: "${a}" over "${b}"`);
        }
      }
    }
  }
  return out;
}"""


def wait_for_panels(page, count: int = len(PANEL_KEYS), timeout: float = 60.0) -> None:
    page.wait_for_function(JS_PANELS_DRAWN, arg=count, timeout=timeout * 1000, polling=50)


def panels(page) -> dict:
    return page.evaluate(JS_PANELS)


def panel_texts(page, key: str, selector: str = "text") -> list[str]:
    """The texts a panel's plot has drawn (svg ``text`` elements, lines joined with spaces)."""
    return page.evaluate(
        """([key, sel]) => [...document.querySelectorAll(`section[data-panel="${key}"] ${sel}`)]
             .map((t) => { const lines = t.querySelectorAll('tspan.line');
                           return (lines.length ? [...lines].map((l) => l.textContent).join(' ') : t.textContent).trim(); })""",
        [key, selector],
    )
