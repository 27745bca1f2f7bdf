// The only way this client puts things into the page: elements built with `h`, text as text nodes.
// There is no innerHTML anywhere; strings from the server or from participants are never parsed.

const PROPS = new Set(["value", "checked", "disabled", "selected", "hidden", "open", "multiple", "required",
  "readOnly", "min", "max", "step", "htmlFor", "tabIndex", "type", "name", "placeholder", "rows"]);

/** h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text", child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "innerHTML" || key === "outerHTML" || key === "style") {
        throw new Error(`h(): ${key} is not allowed`);
      }
      if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "for") el.htmlFor = value;
      else if (PROPS.has(key)) el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Set text only when it changed (keeps screen readers and selection calm). */
export function setText(el, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (el.textContent !== value) el.textContent = value;
}

let counter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * Keep `container`'s children in step with `items`, one component per key, created once and
 * updated in place (so a half-typed statement in a card survives new events).
 * `create(item)` returns {el, update(item, ...extra)}; `extra` is passed to every update.
 */
export function syncList(container, items, keyOf, create, ...extra) {
  const old = container._keyed || new Map();
  const next = new Map();
  let prev = null;
  for (const item of items) {
    const key = keyOf(item);
    const part = old.get(key) || create(item);
    part.update(item, ...extra);
    next.set(key, part);
    const want = prev ? prev.el.nextSibling : container.firstChild;
    if (want !== part.el) container.insertBefore(part.el, want);
    prev = part;
  }
  for (const [key, part] of old) if (!next.has(key)) part.el.remove();
  container._keyed = next;
  return next;
}

/** A labelled form control: returns {wrap, input}. */
export function field(label, input, hint) {
  const id = input.id || (input.id = uid("f"));
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return { wrap: h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl), input };
}

/** A select with options [[value, label], ...]. */
export function select(options, attrs = {}) {
  const el = h("select", attrs);
  setOptions(el, options);
  return el;
}

export function setOptions(el, options) {
  const keep = el.value;
  const same = el.options.length === options.length &&
    options.every(([v, l], i) => el.options[i].value === String(v) && el.options[i].textContent === String(l));
  if (same) return;
  el.replaceChildren(...options.map(([v, l]) => h("option", { value: String(v) }, l)));
  if (options.some(([v]) => String(v) === keep)) el.value = keep;
}

/** A group of checkboxes in a fieldset: returns {el, values(), set(values), setChoices(choices)}. */
export function checkboxGroup(legend, choices, { name = uid("cb") } = {}) {
  const box = h("div", { class: "checks" });
  const el = h("fieldset", { class: "checkgroup" }, h("legend", {}, legend), box);
  let current = [];
  function setChoices(list) {
    const key = JSON.stringify(list);
    if (key === JSON.stringify(current)) return;
    const checked = new Set(values());
    current = list;
    fill(box, list.map(([value, label]) => {
      const id = uid(name);
      return h("span", { class: "check" },
        h("input", { type: "checkbox", id, name, value, checked: checked.has(value) }),
        h("label", { for: id }, label));
    }));
  }
  function values() {
    return [...box.querySelectorAll("input:checked")].map((i) => i.value);
  }
  function set(vals) {
    const want = new Set(vals);
    for (const i of box.querySelectorAll("input")) i.checked = want.has(i.value);
  }
  setChoices(choices);
  return { el, values, set, setChoices };
}
