// The session notice (anywidget ESM): asks the server what became of this page's kernel and,
// when it is gone, shows the server's message with a Reload button. It reads the page's kernel
// id from Voila's page config; without one (JupyterLab) it does nothing. Text only, never HTML.

function pageSession() {
  const node = document.getElementById("jupyter-config-data");
  if (!node) return null;
  try {
    const config = JSON.parse(node.textContent);
    return config.kernelId ? { kernelId: config.kernelId, baseUrl: config.baseUrl || "/" } : null;
  } catch (error) {
    return null;
  }
}

function banner(message) {
  const box = document.createElement("div");
  box.className = "explorer-session-notice";
  box.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = message;
  const reload = document.createElement("button");
  reload.type = "button";
  reload.textContent = "Reload the page";
  reload.addEventListener("click", () => window.location.reload());
  box.append(text, reload);
  return box;
}

export default {
  render({ model, el }) {
    const session = pageSession();
    if (!session) return undefined;
    el.classList.add("explorer-session");
    const url = `${session.baseUrl}${model.get("endpoint")}${session.kernelId}`;
    let shown = null;
    let failures = 0;
    let timer = null;
    let ended = false;

    const show = (message) => {
      if (shown && shown.dataset.message === message) return;
      if (shown) shown.remove();
      shown = banner(message);
      shown.dataset.message = message;
      document.body.append(shown);
    };
    const hide = () => {
      if (shown) shown.remove();
      shown = null;
    };
    const poll = async () => {
      try {
        const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
        if (response.status === 404) return; // a server without the endpoint: nothing to watch
        const status = await response.json();
        failures = 0;
        if (status.state === "running") {
          hide();
        } else {
          show(String(status.message || "This page's session has ended. Reload the page to start again."));
          document.body.classList.add("explorer-session-ended"); // its controls no longer do anything
          ended = true;
        }
      } catch (error) {
        failures += 1;
        if (failures >= model.get("failures_before_notice")) show(model.get("unreachable_message"));
      }
      if (!ended) timer = setTimeout(poll, model.get("every_ms"));
    };
    timer = setTimeout(poll, model.get("every_ms"));
    return () => clearTimeout(timer);
  },
};
