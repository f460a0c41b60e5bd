// The download button (anywidget ESM): a click asks the kernel for the file; the file comes back
// as one message with a binary buffer and is saved with the browser's own download. Text only.
export default {
  render({ model, el }) {
    el.classList.add("explorer-download");
    const button = document.createElement("button");
    button.type = "button";
    const status = document.createElement("div");
    status.className = "explorer-download-status";
    status.setAttribute("role", "status");
    const sync = () => {
      button.textContent = model.get("busy") ? "Making the briefing…" : model.get("label");
      button.title = model.get("hint");
      button.disabled = !!model.get("busy");
      status.textContent = model.get("status");
    };
    button.addEventListener("click", () => {
      if (!model.get("busy")) model.send({ event: "make" });
    });
    const save = (message, buffers) => {
      if (!message || message.event !== "file" || !buffers || !buffers.length) return;
      const blob = new Blob([buffers[0]], { type: model.get("mime") || "application/octet-stream" });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = String(message.name || "briefing.html");
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    };
    model.on("change:busy change:status change:label change:hint", sync);
    model.on("msg:custom", save);
    sync();
    el.append(button, status);
    return () => {
      model.off("change:busy change:status change:label change:hint", sync);
      model.off("msg:custom", save);
    };
  },
};
