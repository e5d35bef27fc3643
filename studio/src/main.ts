/**
 * pixelgate Studio: paste a key, pick a model (or let pixelgate choose), see the estimate, make a
 * preview grid, finalize a variation, follow progress live and browse the gallery with costs.
 * Talks to pixelgate only through its public GraphQL API (see documents.ts).
 *
 * This file only wires: the state (state.ts) is what the studio knows, the view (view.ts) is the
 * page, the controller (controller.ts) turns the view's intents into API calls. A new panel goes
 * in `panels` (see `Panel` in controller.ts).
 */
import './styles.css';
import { StudioController, type Panel } from './controller.ts';
import { createState } from './state.ts';
import { bindIntents } from './view.ts';
import { WebhooksPanel } from './webhooks.ts';

const panels: Panel[] = [new WebhooksPanel()];

const controller = new StudioController(createState(), panels);
bindIntents(controller.intents());
void controller.start();
