// The concession list (anywidget ESM): one native checkbox per concession, grouped by party,
// with its cost, a hover/focus card holding its description and quote, and the reason when
// it is blocked. State: `groups` (what to list), `active` (ids switched on; the page sets it),
// `blocked` (id -> reason). "all"/"none" per party are messages to Python, which knows the rules.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function placeCard(item, card) {
  const box = item.getBoundingClientRect();
  const width = Math.min(380, window.innerWidth - 16);
  card.style.width = width + "px";
  card.style.left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8)) + "px";
  const below = box.bottom + 4;
  card.style.top = below + "px";
  card.style.display = "block";
  const height = card.getBoundingClientRect().height;
  if (below + height > window.innerHeight - 8 && box.top - height - 4 > 8) {
    card.style.top = (box.top - height - 4) + "px";
  }
}

export default {
  render({ model, el: root }) {
    root.classList.add("concession-list");
    const boxes = new Map();

    const build = () => {
      root.replaceChildren();
      boxes.clear();
      const groups = model.get("groups") || [];
      if (!groups.length) {
        root.append(el("p", "concession-none", "This scenario lists no concessions."));
        return;
      }
      for (const group of groups) {
        const section = el("div", "party-group");
        section.dataset.party = group.party;
        const head = el("div", "party-head");
        head.style.borderColor = group.colour;
        head.append(el("span", "party-name", group.name));
        for (const [label, on] of [["all", true], ["none", false]]) {
          const button = el("button", "party-button", label);
          button.type = "button";
          button.title = (on ? "Switch on every concession of " : "Switch off every concession of ") + group.name;
          button.addEventListener("click", () => model.send({ event: "party", party: group.party, on }));
          head.append(button);
        }
        section.append(head);
        for (const item of group.items) {
          const row = el("div", "concession concession-" + item.id);
          row.dataset.id = item.id;
          const label = el("label", "concession-label");
          const box = el("input");
          box.type = "checkbox";
          box.addEventListener("change", () => {
            const active = new Set(model.get("active") || []);
            if (box.checked) active.add(item.id); else active.delete(item.id);
            model.set("active", [...active]);
            model.save_changes();
          });
          const text = el("span", "concession-text");
          text.append(el("span", "concession-title", item.title), el("span", "concession-cost", item.cost_text));
          label.append(box, text);
          const reason = el("div", "concession-blocked");
          const card = el("div", "concession-card");
          card.setAttribute("role", "tooltip");
          card.append(el("div", "card-title", item.title));
          if (item.description) card.append(el("div", "card-description", item.description));
          card.append(el("div", "card-evidence-kind", item.evidence_kind));
          card.append(el("div", "card-evidence", item.evidence));
          card.append(el("div", "card-cost", item.cost_help));
          const show = () => placeCard(row, card);
          const hide = () => { card.style.display = "none"; };
          row.addEventListener("mouseenter", show);
          row.addEventListener("mouseleave", hide);
          box.addEventListener("focus", show);
          box.addEventListener("blur", hide);
          row.append(label, reason, card);
          section.append(row);
          boxes.set(item.id, { box, reason, row });
        }
        root.append(section);
      }
      update();
    };

    const update = () => {
      const active = new Set(model.get("active") || []);
      const blocked = model.get("blocked") || {};
      for (const [id, { box, reason, row }] of boxes) {
        box.checked = active.has(id);
        const why = blocked[id] || "";
        box.disabled = !!why;
        row.classList.toggle("blocked", !!why);
        reason.textContent = why;
        reason.hidden = !why;
      }
    };

    model.on("change:groups", build);
    model.on("change:active change:blocked", update);
    build();
    return () => {
      model.off("change:groups", build);
      model.off("change:active change:blocked", update);
    };
  },
};
