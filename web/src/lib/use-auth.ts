import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Me } from './types'

export interface AuthValue {
  me: Me
  signOut(): Promise<void>
}

export const AuthContext = createContext<AuthValue | null>(null)

export function useAuth(): AuthValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth needs a signed-in AuthContext')
  return value
}
