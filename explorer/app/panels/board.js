// The panel board's front end (anywidget ESM), kept small: nothing heavy runs before the
// widget is ready. plotly.js arrives gzipped in a shared model-only widget and is evaluated
// once per page, at the first render, after anywidget's 2 s initialisation window.
// Each panel is its own <section> with one plot div; a panel is redrawn (Plotly.react) only
// when its own `spec` changes. After each draw the section's data-draws attribute counts the
// draws and an `explorer-panel-drawn` event bubbles from it.

const LIBRARY = "__explorerPlotly";
const CONFIG = {
  displaylogo: false,
  responsive: false, // the board's ResizeObserver resizes each panel to its container
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
};

function modelId(ref) {
  return String(ref).replace(/^IPY_MODEL_/, "");
}

function bytesOf(value) {
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return value;
}

function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// One plotly.js per page, whichever board asks first; later boards reuse the promise.
function loadPlotly(libraryModel) {
  if (!globalThis[LIBRARY]) {
    globalThis[LIBRARY] = (async () => {
      performance.mark("explorer-plotly-start");
      const gz = bytesOf(libraryModel.get("source"));
      const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
      const text = await new Response(stream).text();
      await nextTask(); // let the page finish what it was doing before the long evaluation
      const module = { exports: {} };
      performance.mark("explorer-plotly-decompressed");
      new Function("module", "exports", "define", text)(module, module.exports, undefined);
      performance.mark("explorer-plotly-ready"); // marks for benchmarks: decompress and evaluation times
      return module.exports;
    })();
    globalThis[LIBRARY].catch(() => delete globalThis[LIBRARY]);
  }
  return globalThis[LIBRARY];
}

function layoutOf(spec) {
  const layout = Object.assign({}, (spec && spec.layout) || {});
  delete layout.width;
  layout.autosize = true;
  return layout;
}

function makeCell(panelModel) {
  const section = document.createElement("section");
  section.className = "explorer-panel";
  const header = document.createElement("header");
  const title = document.createElement("h3");
  title.className = "explorer-panel-title";
  const help = document.createElement("p");
  help.className = "explorer-panel-help";
  const legend = document.createElement("ul");
  legend.className = "explorer-legend";
  const plot = document.createElement("div");
  plot.className = "explorer-panel-plot";
  header.append(title, help, legend);
  section.append(header, plot);
  const cell = { model: panelModel, section, plot, title, help, draws: 0, drawing: Promise.resolve(), dispose: () => {},
                 visible: true, dirty: false };
  cell.describe = () => {
    const key = panelModel.get("key");
    section.dataset.panel = key;
    section.classList.toggle("wide", !!panelModel.get("wide"));
    title.textContent = panelModel.get("title") || "";
    help.textContent = panelModel.get("help") || "";
    help.hidden = !panelModel.get("help");
    renderLegend(legend, panelModel.get("legend"));
  };
  cell.describe();
  section.dataset.draws = "0";
  return cell;
}

export default {
  async render({ model, el }) {
    const manager = model.widget_manager;
    const cleanups = [];
    let cells = [];
    el.classList.add("explorer-board");

    // A panel out of view is not redrawn when its figure changes, only marked; it is drawn
    // when it comes into view. Panels in view are drawn at once, so a
    // click's visible effect is not delayed by plots below the fold (nor a background tab's CPU spent).
    const draw = (Plotly, cell, force = false) => {
      if (!force && cell.draws > 0 && !cell.visible) {
        cell.dirty = true;
        cell.section.dataset.stale = "1";
        return cell.drawing;
      }
      cell.dirty = false;
      delete cell.section.dataset.stale;
      const spec = cell.model.get("spec") || {};
      cell.drawing = cell.drawing.then(() =>
        Plotly.react(cell.plot, spec.data || [], layoutOf(spec), CONFIG).then(() => {
          cell.draws += 1;
          cell.section.dataset.draws = String(cell.draws);
          cell.section.dispatchEvent(new CustomEvent("explorer-panel-drawn", {
            bubbles: true,
            detail: { panel: cell.section.dataset.panel, draws: cell.draws, t: performance.now() },
          }));
        }),
      ).catch((error) => console.error("[explorer] panel draw failed", error));
      return cell.drawing;
    };

    const clickPoints = (event) => (event.points || []).slice(0, 50).map((p) => ({
      curve: p.curveNumber,
      point: typeof p.pointNumber === "number" ? p.pointNumber : p.pointIndex,
      x: p.x, y: p.y, customdata: p.customdata === undefined ? null : p.customdata,
    }));

    const build = async () => {
      for (const cell of cells) cell.dispose();
      el.replaceChildren();
      const [library, ...panelModels] = await Promise.all([
        manager.get_model(modelId(model.get("library"))),
        ...(model.get("panels") || []).map((ref) => manager.get_model(modelId(ref))),
      ]);
      cells = panelModels.map(makeCell);
      el.append(...cells.map((cell) => cell.section));
      const Plotly = await loadPlotly(library);
      const frame = { pending: false };
      const observer = new ResizeObserver(() => {
        if (frame.pending) return;
        frame.pending = true;
        requestAnimationFrame(() => {
          frame.pending = false;
          for (const cell of cells) {
            if (cell.draws > 0 && cell.plot.clientWidth > 0) Plotly.Plots.resize(cell.plot);
          }
        });
      });
      const sight = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          const cell = cells.find((c) => c.section === entry.target);
          if (!cell) continue;
          cell.visible = entry.isIntersecting;
          if (cell.visible && cell.dirty) draw(Plotly, cell);
        }
      }, { rootMargin: "0px" });
      for (const cell of cells) {
        const redraw = () => draw(Plotly, cell);
        const describe = () => cell.describe();
        cell.model.on("change:spec", redraw);
        cell.model.on("change:title change:help change:wide change:key change:legend", describe);
        observer.observe(cell.plot);
        sight.observe(cell.section);
        cell.dispose = () => {
          sight.unobserve(cell.section);
          cell.model.off("change:spec", redraw);
          cell.model.off("change:title change:help change:wide change:key change:legend", describe);
          observer.unobserve(cell.plot);
          Plotly.purge(cell.plot);
        };
      }
      await Promise.all(cells.map((cell) => draw(Plotly, cell, true))); // the first draw: every panel
      for (const cell of cells) {
        cell.plot.on("plotly_click", (event) => {
          model.send({ event: "click", panel: cell.section.dataset.panel, points: clickPoints(event) });
        });
      }
      cleanups.push(() => observer.disconnect(), () => sight.disconnect());
      model.send({ event: "shown" });
    };

    const rebuild = () => build().catch((error) => console.error("[explorer] board failed", error));
    model.on("change:panels", rebuild);
    await rebuild();
    return () => {
      model.off("change:panels", rebuild);
      for (const cell of cells) cell.dispose();
      for (const cleanup of cleanups) cleanup();
    };
  },
};
