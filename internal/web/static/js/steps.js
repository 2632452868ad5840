// steps.js — what a new library still needs, as links to the next step:
// a source (add a folder, connect SmugMug), the CLIP model, a Claude key.
// The search and library pages show it in place of an empty grid.
import { api } from './api.js';
import { h } from './dom.js';

/**
 * nextSteps lists what the set-up lacks, in order: [{id, title, detail, href?}].
 * photos is the library's photo count; sources, models are the API's answers.
 */
export function nextSteps({ photos, sources, models }) {
  const steps = [];
  if (!sources.length) {
    steps.push({ id: 'add-source', title: 'Add your photos', detail: 'Add a folder on the server, or connect SmugMug, on the Sources page.', href: '/sources' });
  } else if (!photos) {
    steps.push({ id: 'indexing', title: 'Your photos are being indexed', detail: 'They appear here as they are ready; the Activity page shows the progress.', href: '/activity' });
  }
  const clip = (models && models.clip) || {};
  if (clip.name && !clip.present) {
    steps.push({ id: 'get-model', title: 'Get the search model', detail: 'Run “targetvision models pull” on the server, then restart it: photos are found by how they look, not only by their words.' });
  }
  const claude = (models && models.claude) || {};
  if (claude.configured === false) {
    steps.push({ id: 'claude-key', title: 'Add a Claude key', detail: 'Set ANTHROPIC_API_KEY on the server and restart it: every photo gets a description and keywords to search by.' });
  }
  return steps;
}

/** stepsPanel fetches what it needs and renders nextSteps, or null when all is set. */
export async function stepsPanel() {
  let data;
  try {
    const [list, src, models] = await Promise.all([api('/api/v1/photos?limit=1'), api('/api/v1/sources'), api('/api/v1/models')]);
    data = { photos: list.total || 0, sources: src.sources || [], models };
  } catch {
    return null; // the page's own request reports trouble
  }
  const steps = nextSteps(data);
  if (!steps.length) return null;
  return h('ol', { class: 'col-span-full mb-4 space-y-2', dataset: { testid: 'next-steps' } },
    ...steps.map((s) => h('li', { class: 'rounded-lg border border-indigo-200 bg-indigo-50 p-3 text-sm dark:border-indigo-900 dark:bg-indigo-950', dataset: { testid: 'next-step', step: s.id } },
      s.href ? h('a', { href: s.href, class: 'font-medium text-indigo-700 underline hover:no-underline dark:text-indigo-300' }, s.title) : h('p', { class: 'font-medium' }, s.title),
      h('p', { class: 'mt-0.5 text-slate-700 dark:text-slate-300' }, s.detail))));
}
