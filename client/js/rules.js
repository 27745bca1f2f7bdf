// Decision rules in words, as server/domain/rules.py says them (docs/RULES.md is the definition):
// `describeRule(rule)` ("qualified majority (67% of members)") and `explain(rule, electorate,
// votes)` (what an open decision still needs). The decisions view folds these into each decision
// as the server's view has them, so they must read the same, to the character (in English; in
// another language they are the catalog's).

import { N_, t } from "./i18n.js";

/** A share as written ("0.67") as an exact fraction [numerator, denominator]. */
function exact(x) {
  const s = String(x);
  const m = /^(\d*)(?:\.(\d+))?$/.exec(s);
  if (!m) return [Number(x), 1];
  const decimals = m[2] || "";
  return [Number(`${m[1] || "0"}${decimals}`), 10 ** decimals.length];
}

/** The smallest whole number that is at least `share` of `of`, computed exactly. */
export function needed(share, of) {
  const [num, den] = exact(share);
  const a = BigInt(num) * BigInt(of);
  return Number((a + BigInt(den) - 1n) / BigInt(den));
}

/** Python's `f"{x:.0%}"`: the share times 100, rounded half to even. */
export function pct(x) {
  const v = Number(x) * 100;
  const floor = Math.floor(v);
  let r = Math.round(v);
  if (v - floor === 0.5) r = floor % 2 === 0 ? floor : floor + 1;
  return `${r}%`;
}

export function tally(votes, electorate) {
  const t = { for: 0, against: 0, abstain: 0 };
  for (const s of electorate) {
    const v = votes[s];
    if (v) t[v] += 1;
  }
  t.cast = t.for + t.against + t.abstain;
  t.eligible = electorate.length;
  t.not_voted = t.eligible - t.cast;
  return t;
}

export function describeRule(rule) {
  const name = String(rule.rule);
  const base = rule.base ?? "members";
  const of = base === "votes_cast"
    ? (rule.abstentions === "ignore" ? t("of votes cast (abstentions ignored)") : t("of votes cast")) : t("of members");
  if (name === "qualified_majority") return t("qualified majority ({share} {of})", { share: pct(rule.threshold), of });
  if (name === "simple_majority") return t("simple majority ({of})", { of });
  if (name === "consensus") return rule.abstention_blocks ? t("consensus (abstention blocks)") : t("consensus");
  if (name === "single_authority") return t("decided by {authority} alone", { authority: rule.authority });
  if (name === "weighted") {
    let out = base === "votes_cast" ? t("weighted majority ({share} of the weight of votes cast", { share: pct(rule.threshold) })
      : t("weighted majority ({share} of the weight", { share: pct(rule.threshold) });
    if (rule.member_share !== undefined && rule.member_share !== null) out += t(", and {share} of members", { share: pct(rule.member_share) });
    return `${out})`;
  }
  const known = { unanimity: N_("unanimity"), silence_procedure: N_("silence procedure") };
  return known[name] ? t(known[name]) : name.replaceAll("_", " ");
}

/** What an open decision still needs, in words (the server's `explain`). */
export function explain(rule, electorate, votes) {
  const n = electorate.length;
  const tl = tally(votes, electorate);
  const name = rule.rule;
  const q = needed(rule.quorum ?? 0.5, n);
  let quorum = tl.cast >= q || name === "silence_procedure" || name === "single_authority" ? ""
    : ` ${t("At least {q} of {n} must take part: {more} more.", { q, n, more: q - tl.cast })}`;
  if (name === "silence_procedure") return tl.against ? t("Rejected: an objection.") : t("Adopted when the time runs out unless someone objects.");
  if (name === "single_authority") return t("Decided by {authority} alone.", { authority: rule.authority });
  if (name === "consensus") {
    return (rule.abstention_blocks
      ? t("Adopted if nobody votes against or abstains: {left} of {n} still to vote.", { left: tl.not_voted, n })
      : t("Adopted if nobody votes against: {left} of {n} still to vote.", { left: tl.not_voted, n })) + quorum;
  }
  if (name === "unanimity") return t("Adopted only if all {n} vote for: {more} more needed.", { n, more: n - tl.for });
  const majority = name === "simple_majority" || name === "qualified_majority";
  if (majority && (rule.base ?? "members") === "members") {
    const k = name === "simple_majority" ? Math.floor(n / 2) + 1 : needed(rule.threshold, n);
    if (k >= q) quorum = ""; // the votes for that adopt it are a quorum themselves
    return t("Adopted as soon as {k} of {n} vote for: {more} more needed.", { k, n, more: Math.max(0, k - tl.for) }) + quorum;
  }
  if (majority) {
    const what = name === "simple_majority" ? t("more than half") : pct(rule.threshold);
    return t("Adopted if {what} of the votes cast are for: {for} for, {against} against so far.", { what, for: tl.for, against: tl.against }) + quorum;
  }
  if (name === "weighted") return t("Adopted when the weight for reaches {share}.", { share: pct(rule.threshold) }) + quorum;
  return "";
}
