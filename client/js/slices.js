// The one list of the modules that register with js/registry.js: each area's view module holds its
// panel, the fold of its events and their sentences. A move added to an existing area touches its
// module only; a new area is one new module under views/ and one line here.

import "./views/console.js"; // the exercise and its clock, injects, who is online
import "./views/me.js"; // the seat itself
import "./views/feed.js"; // every event in words
import "./views/control.js"; // the control channel, observations, scores
import "./views/whitecell.js"; // the facilitator's moves for seats played by control
import "./views/threats.js";
import "./views/consultations.js";
import "./views/assistance.js";
import "./views/decisions.js"; // sessions, proposals, votes, implementation, forks' rules
import "./views/membership.js"; // applications, admission, suspension
import "./views/notifications.js";
import "./views/review.js"; // the Review tab: replay
import "./views/report.js"; // the after-action report, scoring, comparing runs
import "./views/fork.js";
