import { Empty } from '../../components/states'

export default function NotFound() {
  return (
    <Empty title="Nothing here">
      <a href="/">Back to projects</a>
    </Empty>
  )
}
