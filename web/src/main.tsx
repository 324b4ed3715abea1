import { render } from 'preact'
import { App } from './components/app'
import './styles/global.css'

render(<App />, document.getElementById('app')!)
