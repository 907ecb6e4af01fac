// Staff UI entry point (an ES module of our own; no framework, nothing minified).
// Each page part starts only where its markup is on the page.
import { startClaim } from './claim.js';
import { installHelp } from './keys.js';
import { startQueue } from './queue.js';

installHelp();
if (document.getElementById('kuyruk')) startQueue();
if (document.getElementById('ustlenme')) startClaim();
document.documentElement.dataset.js = 'hazir'; // shortcuts are live (tests wait for this)
