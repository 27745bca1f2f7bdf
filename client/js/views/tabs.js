// Accessible tabs (WAI-ARIA pattern): arrow keys move between tabs, Enter/Space or click selects.

import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * tabs([{id, label, panel: Element, onShow?}]) -> {el (tablist), panels (Element[]), select(id), setVisible(id, bool)}
 */
export function tabs(items) {
  const list = h("div", { class: "tabs", role: "tablist", "aria-label": t("Views") });
  const entries = items.map((it) => {
    const tab = h("button", { type: "button", role: "tab", id: `tab-${it.id}`, "aria-controls": `panel-${it.id}`, tabIndex: -1 }, it.label);
    const panel = h("div", { role: "tabpanel", id: `panel-${it.id}`, "aria-labelledby": tab.id, class: "tabpanel", hidden: true }, it.panel);
    tab.addEventListener("click", () => select(it.id, true));
    list.append(tab);
    return { ...it, tab, panel };
  });
  let current = null;

  function select(id, focus = false) {
    for (const e of entries) {
      const on = e.id === id;
      e.tab.setAttribute("aria-selected", String(on));
      e.tab.tabIndex = on ? 0 : -1;
      e.panel.hidden = !on;
      if (on && focus) e.tab.focus();
      if (!on && e.id === current && e.onHide) e.onHide();
    }
    const changed = current !== id;
    current = id;
    const e = entries.find((x) => x.id === id);
    if (changed && e && e.onShow) e.onShow();
  }

  list.addEventListener("keydown", (ev) => {
    const visible = entries.filter((e) => !e.tab.hidden);
    const i = visible.findIndex((e) => e.id === current);
    let next = null;
    if (ev.key === "ArrowRight") next = visible[(i + 1) % visible.length];
    else if (ev.key === "ArrowLeft") next = visible[(i - 1 + visible.length) % visible.length];
    else if (ev.key === "Home") next = visible[0];
    else if (ev.key === "End") next = visible[visible.length - 1];
    if (next) {
      ev.preventDefault();
      select(next.id, true);
    }
  });

  return {
    el: list,
    panels: entries.map((e) => e.panel),
    select,
    current: () => current,
    setVisible(id, visible) {
      const e = entries.find((x) => x.id === id);
      if (!e) return;
      e.tab.hidden = !visible;
      list.hidden = entries.filter((x) => !x.tab.hidden).length < 2;
      if (!visible && current === id) select(entries.find((x) => !x.tab.hidden).id);
    },
  };
}
