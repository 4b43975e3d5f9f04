// GOV.UK Frontend's components (tabs, header menu, error summary focus).
// Loaded as a module, so it runs only in browsers GOV.UK Frontend supports;
// every page works without it.
import { initAll } from '/assets/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
