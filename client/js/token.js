// The seat token arrives after `#` in the join link. It is read once, removed from the address bar
// (so it is not bookmarked, shared in a screenshot or kept in history), and kept in sessionStorage
// for this tab, keyed by exercise, so a reload still works. It never goes into a URL we request.

const KEY = (exerciseId) => `ttx.token.${exerciseId}`;

export function exerciseIdFromPath(pathname = location.pathname) {
  const m = /^\/exercises\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : null;
}

/** A token pasted by hand may be the whole join link. */
export function tokenFrom(text) {
  const value = String(text || "").trim();
  const hash = value.indexOf("#");
  return (hash >= 0 ? value.slice(hash + 1) : value).trim();
}

export function takeToken(exerciseId) {
  const fromHash = tokenFrom(location.hash.slice(1));
  if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  if (fromHash) {
    remember(exerciseId, fromHash);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(KEY(exerciseId));
  } catch {
    return null;
  }
}

export function remember(exerciseId, token) {
  try {
    sessionStorage.setItem(KEY(exerciseId), token);
  } catch {
    /* storage disabled: the token lives only in memory for this page */
  }
}

export function forget(exerciseId) {
  try {
    sessionStorage.removeItem(KEY(exerciseId));
  } catch {
    /* nothing to forget */
  }
}
