// Panel legends as HTML: one entry per mark, a small SVG and its label (set as text, never markup).
// One home for the dashboard (prepended to board.js by board.py) and the briefing file
// (explorer/app/briefing/document.py). Items are {label, mark: {kind, color, symbol, open}, note}, as the
// figure modules' legend() functions make them (explorer/app/figures/); a note (a predicted outcome's
// track record) is an "i" mark whose tooltip is the note (set as an attribute, never markup).
const SHAPES = {
  circle: '<circle cx="8" cy="8" r="5"/>',
  square: '<rect x="3.5" y="3.5" width="9" height="9"/>',
  diamond: '<path d="M8 2 L14 8 L8 14 L2 8 Z"/>',
  "triangle-up": '<path d="M8 2.5 L14 13 L2 13 Z"/>',
  star: '<path d="M8 1.5 L9.8 6 L14.5 6.2 L10.8 9.2 L12.1 14 L8 11.3 L3.9 14 L5.2 9.2 L1.5 6.2 L6.2 6 Z"/>',
  x: '<path d="M3 3 L13 13 M13 3 L3 13" stroke-width="3"/>',
  cross: '<path d="M8 2 V14 M2 8 H14" stroke-width="3"/>',
  hexagon: '<path d="M8 2 L13.2 5 L13.2 11 L8 14 L2.8 11 L2.8 5 Z"/>',
};

function legendMark(mark) {
  const colour = String(mark.color || "#888").replace(/[^#(),.\w\s%-]/g, "");
  let body;
  if (mark.kind === "band") {
    body = `<rect x="0" y="4" width="22" height="8" fill="${colour}"/>`;
  } else if (mark.kind === "range") {
    body = `<path d="M1 8 H21" stroke="${colour}" stroke-width="2.5"/><circle cx="11" cy="8" r="4" fill="${colour}"/>`;
  } else if (mark.kind === "tick") {
    body = `<path d="M11 3 V13" stroke="${colour}" stroke-width="1.5"/>`;
  } else {
    const shape = SHAPES[mark.symbol] || SHAPES.circle;
    const open = !!mark.open;
    body = `<g transform="translate(3 0)" fill="${open ? "none" : colour}" stroke="${colour}" stroke-width="${open ? 1.6 : 1}">${shape}</g>`;
  }
  return `<svg class="legend-mark" width="22" height="16" viewBox="0 0 22 16" aria-hidden="true">${body}</svg>`;
}

function renderLegend(list, items) {
  list.replaceChildren();
  for (const item of items || []) {
    const entry = document.createElement("li");
    entry.innerHTML = legendMark(item.mark || {});
    const text = document.createElement("span");
    text.className = "legend-label";
    text.textContent = item.label;
    entry.append(text);
    if (item.note) {
      const note = document.createElement("span");
      note.className = "legend-note";
      note.tabIndex = 0;
      note.title = String(item.note);
      note.setAttribute("aria-label", String(item.note));
      note.textContent = "i";
      entry.append(note);
    }
    list.append(entry);
  }
  list.hidden = !(items && items.length);
}

