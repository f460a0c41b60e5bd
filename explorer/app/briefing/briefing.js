// The briefing file's script: draws every panel of the state picked, with no kernel and no
// network. It reads the JSON block #briefing-data (figures once, each state's texts and figure
// ids), draws with the embedded plotly.js, and marks <body data-drawn="KEY"> once every figure
// of state KEY has been drawn (tests and benchmarks wait for it). Legends use legend.js (the
// dashboard's). Texts are HTML made and escaped by explorer/app/briefing in Python.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("briefing-data").textContent);
  const statePicker = document.getElementById("state-picker");
  const issuePicker = document.getElementById("forecast-issue");
  const config = { displayModeBar: false, responsive: true, displaylogo: false, scrollZoom: false };
  let current = null;
  let generation = 0;

  function copy(figure) {
    const spec = JSON.parse(JSON.stringify(figure)); // plotly adds to what it is given; states share figures
    delete spec.layout.width;
    spec.layout.autosize = true;
    return spec;
  }

  function draw(id, figureId) {
    const div = document.getElementById(id);
    const spec = copy(data.figures[figureId]);
    return Plotly.react(div, spec.data, spec.layout, config);
  }

  function showForecastNote(k) {
    document.querySelectorAll('[data-slot="forecast_notes"] > div').forEach((note) => {
      note.classList.toggle("shown", note.dataset.issue === String(k));
    });
  }

  function drawForecast(state) {
    const k = Number(issuePicker.value) || 0;
    showForecastNote(k);
    return draw("plot-forecast", state.forecast[k]);
  }

  function show(key) {
    const state = data.states.find((s) => s.key === key) || data.states[0];
    const mine = ++generation;
    current = state;
    document.body.dataset.drawn = "";
    for (const [slot, markup] of Object.entries(state.html)) {
      document.querySelectorAll(`[data-slot="${slot}"]`).forEach((el) => { el.innerHTML = markup; });
    }
    document.querySelectorAll('[data-slot="state_description"]').forEach((el) => { el.textContent = state.description; });
    document.querySelectorAll("[data-state-label]").forEach((el) => { el.textContent = state.label; });
    for (const [panel, items] of Object.entries(state.legends)) {
      const list = document.querySelector(`[data-legend="${panel}"]`);
      if (list) renderLegend(list, items);
    }
    statePicker.value = state.key;
    const jobs = Object.entries(state.figures).map(([panel, id]) => draw(`plot-${panel}`, id));
    jobs.push(drawForecast(state));
    try { // a link to this state; some browsers refuse history on file:// pages, which changes nothing else
      if (location.hash !== `#state=${state.key}`) history.replaceState(null, "", `#state=${state.key}`);
    } catch (error) { /* the hash stays as it was */ }
    return Promise.all(jobs).then(() => {
      if (mine !== generation) return;
      document.body.dataset.drawnAt = performance.now(); // for benchmarks: when every figure was drawn
      document.body.dataset.drawn = state.key;
    });
  }

  statePicker.addEventListener("change", () => show(statePicker.value));
  issuePicker.addEventListener("change", () => {
    document.body.dataset.drawn = "";
    drawForecast(current).then(() => { document.body.dataset.drawn = current.key; });
  });
  const linked = /^#state=([\w-]+)$/.exec(location.hash);
  show(linked ? linked[1] : data.initial);
})();
